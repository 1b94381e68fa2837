"""The dashboard's blueprints: live, history, api, settings."""
