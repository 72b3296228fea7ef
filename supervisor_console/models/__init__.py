"""Qt models: adapt the plain rows of the API layer to Qt's item views."""
