"""The device bus: how the web process (and tools) talk to the device service.

A Unix stream socket (``settings.socket_path``, mode 0660) carrying
newline-delimited JSON: clients send commands and get replies, subscribers
receive the live events.  The protocol is in :mod:`device.bus.protocol` and
docs/bus.md; the server (a thread the sensor loop publishes to without ever
blocking) in :mod:`device.bus.server`; clients in :mod:`device.bus.client`.
"""

from .client import BusClient, BusError, BusFollower, request
from .protocol import COMMANDS, MAX_LINE, ProtocolError, Request
from .server import BusInUse, BusServer

__all__ = ["COMMANDS", "MAX_LINE", "BusClient", "BusError", "BusFollower", "BusInUse", "BusServer",
           "ProtocolError", "Request", "request"]
