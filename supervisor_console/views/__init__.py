"""Widgets and dialogs: they draw the models and forward the user's intent."""
