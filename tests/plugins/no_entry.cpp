// A shared library named libdisco_no_entry.so with no disco_plugin_descriptor symbol.
extern "C" int disco_not_a_plugin() { return 42; }
