"""A minimal Socket.IO listener over a raw WebSocket (Engine.IO v4): one thread per client.

The stock python-socketio client starts a thread per received message, so with a few readers at
40 events/s it measures itself, not the server. This one only receives events, answers pings and
timestamps every event on arrival.
"""
from __future__ import annotations

import json
import threading
import time

import websocket


class LightListener:
    def __init__(self, base_url: str, cookie: str, on_event):
        self.url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.on_event = on_event
        self.ws = websocket.create_connection(self.url, header=[f"Cookie: {cookie}"], timeout=10,
                                              enable_multithread=True)
        opened = self.ws.recv()
        if not opened.startswith("0"):
            raise ConnectionError(f"unexpected Engine.IO open packet {opened[:80]!r}")
        self.ws.send("40")
        while True:
            packet = self.ws.recv()
            if packet.startswith("40"):
                break
            if packet.startswith("44"):
                raise ConnectionRefusedError(packet[2:])
            if packet == "2":
                self.ws.send("3")
        self.ws.settimeout(1.0)
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="light-listener")
        self.thread.start()

    def _run(self) -> None:
        while not self.closed.is_set():
            try:
                packet = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError):
                break
            now = time.monotonic()
            if packet == "2":
                self.ws.send("3")
            elif packet.startswith("42"):
                name, *args = json.loads(packet[2:])
                self.on_event(now, name, args[0] if args else None)

    def close(self) -> None:
        self.closed.set()
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - best effort
            pass
        self.thread.join(timeout=3)
