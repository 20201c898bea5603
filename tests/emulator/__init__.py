"""Procore emulator tests (real HTTP against uvicorn on loopback)."""
