"""The sandbox in a real browser: headless Chromium clicks and types through the whole loop."""
