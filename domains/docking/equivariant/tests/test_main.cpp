// The doctest main of test_equivariant (the shared one in tests/ is built after domains/).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
