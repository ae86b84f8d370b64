"""The Qt user interface. Widgets are touched on the GUI thread only."""
