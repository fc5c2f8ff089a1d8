#include "cli/command.hpp"

#include <iostream>

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return errkb::cli::run_main(argc, argv, std::cout, std::cerr);
}
