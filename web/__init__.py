"""smartmat dashboard (Flask). Filled in by the dashboard issue."""
