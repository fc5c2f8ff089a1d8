#pragma once
// Helpers of the cli tests: the shared ones are all they need (errkb in-process
// through run_main, scratch folders, files).
#include "tests/unit/common/support.hpp"

#include <catch2/catch.hpp>
