"""The Procore REST API emulator (see README.md in this folder).

Public API: `server.EmulatorServer` / `server.serve`, `settings.EmulatorSettings` /
`settings.FaultConfig`, `app.create_app`. Imported lazily by callers so that reading the
registry (`resources`) does not pull in uvicorn.
"""
