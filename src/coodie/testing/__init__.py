"""Testing an application that uses coodie: an in-memory driver that runs the CQL coodie
sends with the server's semantics (`init_coodie(driver_type="memory")`), the store it
runs on (`coodie.testing.memory`), a pytest plugin (`coodie.testing.plugin`, active when
coodie is installed) and a launcher for a real throwaway node (`python -m
coodie.testing.node up|down|status`). See docs/testing-your-app.md.

Nothing is imported here: the plugin loads with every pytest run."""
