"""A real HTTP server speaking the VK, OK and MAX APIs from a scenario.

    handle = start_simulator(scenario)          # port 0: any free port
    VkClient(api_url=handle.url_vk, ...)         # http://127.0.0.1:<port>/method
    OkClient(api_url=handle.url_ok, ...)         # http://127.0.0.1:<port>/fb.do
    handle.url_max                               # http://127.0.0.1:<port>/max (the MAX base URL)
    handle.requests(network="vk", method="wall.get"); handle.stop()

Routes: ``/method/<name>`` (VK), ``/fb.do?method=<name>`` and ``/api/<group>/<method>``
(OK), ``/max/<MAX Bot API path>`` (MAX: ``monitoring.networks.max.simulator``; its
requests are logged under network "max" and the schema's operationId). For VK and OK,
GET query and POST bodies (``application/x-www-form-urlencoded`` or
``multipart/form-data``) are merged; a JSON body is ignored, as VK does.

Transport faults: ``timeout`` serves the real answer ``delay`` seconds late (past
the client's timeout), ``truncated_json`` the first half of the real answer with
a matching Content-Length; ``http_500`` (an HTML 500 page), ``http_429`` (an
HTML "429 Too Many Requests" page, as a gateway in front of either API may send
for the rate), ``html`` (an HTML page with status 200, as a proxy would send) and
``reset`` (the connection closed with a TCP RST) happen before the API sees the
request.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import astuple, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

from .scenario import Scenario, load_scenario
from .state import Fault, FaultBook, RequestLog, RequestRecord, matching, max_in_window, token_hash

log = logging.getLogger(__name__)

HTML_ERROR = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
HTML_500 = b"<html><head><title>500 Internal Server Error</title></head><body>Internal Server Error</body></html>"
HTML_429 = b"<html><head><title>429 Too Many Requests</title></head><body>Too Many Requests</body></html>"
# Not VK or OK routes: the log for a caller in another process.
LOG_PATH, CLEAR_PATH = "/_simulator/log", "/_simulator/clear"
# MAX events and sent messages for a caller in another process.
MAX_PUSH_PATH, MAX_SENT_PATH = "/_simulator/max/updates", "/_simulator/max/sent"
CONTROL_PATHS = (LOG_PATH, CLEAR_PATH, MAX_PUSH_PATH, MAX_SENT_PATH)
# The MAX Bot API's paths (/me, /chats/…) live under this prefix, apart from VK's and OK's.
MAX_PREFIX = "/max"


class Simulator:
    """Routes requests to the VK and OK APIs, applies transport faults, keeps the log."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.faults = FaultBook(scenario.faults)
        # Imported here: each network's part builds on this package's spec and state modules.
        from monitoring.networks.max.simulator import MaxApi
        from monitoring.networks.ok.simulator import OkApi
        from monitoring.networks.vk.simulator import VkApi

        self.vk = VkApi(scenario, self.faults)
        self.ok = OkApi(scenario, self.faults)
        self.max = MaxApi(scenario, self.faults)
        self.log = RequestLog()

    def serve(self, handler: "_Handler") -> None:
        arrived = time.monotonic()
        parts = urlsplit(handler.path)
        if parts.path in CONTROL_PATHS:
            self._control(handler, parts.path)
            return
        if parts.path.startswith(MAX_PREFIX + "/"):
            self._serve_max(handler, parts, arrived)
            return
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        params.update(_body_params(handler))
        route = _route(parts.path, params)
        if route is None:
            handler.send_body(404, b"<html><body>Not Found</body></html>", "text/html")
            return
        network, method = route
        if network == "vk":
            auth = handler.headers.get("Authorization", "")
            token = params.get("access_token") or (auth[7:].strip() if auth.lower().startswith("bearer ") else "")
            key = token
        else:
            key = params.get("application_key", "")
        fault = self._early_fault(handler, arrived, network, method, params, key)
        if fault is not None and fault.transport not in ("timeout", "truncated_json"):
            return
        if network == "vk":
            answer = self.vk.handle(method, params, token)
            record = RequestRecord(arrived, network, method, token_hash(key), answer.outcome,
                                   answer.items, answer.calls, answer.inner_methods)
        else:
            answer = self.ok.handle(method, params)
            record = RequestRecord(arrived, network, method, token_hash(key), answer.outcome, answer.items)
        self._answer(handler, record, answer.body, fault)

    def _serve_max(self, handler: "_Handler", parts: SplitResult, arrived: float) -> None:
        """The MAX Bot API: REST paths, JSON bodies, HTTP statuses, the token in the header."""
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request, method, params = self.max.prepare(
            handler.command, parts.path[len(MAX_PREFIX):], dict(parse_qsl(parts.query, keep_blank_values=True)),
            body, handler.headers.get("Authorization", "").strip(),
        )
        fault = self._early_fault(handler, arrived, "max", method, params, request.token)
        if fault is not None and fault.transport not in ("timeout", "truncated_json"):
            return
        answer = self.max.handle(request, method)
        record = RequestRecord(arrived, "max", method or request.path, token_hash(request.token),
                               answer.outcome, answer.items)
        self._answer(handler, record, answer.body, fault, answer.status)

    def _early_fault(self, handler: "_Handler", arrived: float, network: str, method: str,
                     params: Mapping[str, str], key: str) -> Fault | None:
        """A transport fault the API never sees; a timeout sleeps here and lets the answer go late."""
        fault = self.faults.take(network, method, params, transport=True)
        if fault is not None and fault.transport != "truncated_json":
            # Logged on arrival: a timed-out request is still sleeping when the client gives up.
            self.log.add(RequestRecord(arrived, network, method, token_hash(key), f"fault:{fault.transport}"))
            if fault.transport != "timeout":
                self._transport_fault(handler, fault.transport)
                return fault
            time.sleep(fault.delay)  # a slow server: the answer comes, too late for the client
        return fault

    def _answer(self, handler: "_Handler", record: RequestRecord, answer: Any, fault: Fault | None,
                status: int = 200) -> None:
        body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        if fault is not None and fault.transport == "truncated_json":  # the real answer, cut in half
            record = replace(record, outcome="fault:truncated_json")
            body = body[: max(len(body) // 2, 1)]
        if fault is None or fault.transport == "truncated_json":
            self.log.add(record)
        if self.scenario.latency:
            time.sleep(self.scenario.latency)
        handler.send_body(status, body, "application/json; charset=utf-8")

    def _control(self, handler: "_Handler", path: str) -> None:
        """The log, MAX events and sent messages for a caller in another process (`SimulatorProcess`)."""
        if path == LOG_PATH:
            body = json.dumps([astuple(record) for record in self.log.records()]).encode()
        elif path == MAX_SENT_PATH:
            body = json.dumps(self.max.sent(), ensure_ascii=False).encode()
        elif path == MAX_PUSH_PATH:
            length = int(handler.headers.get("Content-Length") or 0)
            update = self.max.push_update(json.loads(handler.rfile.read(length)))
            body = json.dumps(update, ensure_ascii=False).encode()
        else:
            _body_params(handler)
            self.log.clear()
            body = b"[]"
        handler.send_body(200, body, "application/json")

    def _transport_fault(self, handler: "_Handler", kind: str) -> None:
        if kind == "reset":
            handler.reset_connection()
        elif kind == "http_500":
            handler.send_body(500, HTML_500, "text/html")
        elif kind == "http_429":
            handler.send_body(429, HTML_429, "text/html")
        else:
            handler.send_body(200, HTML_ERROR, "text/html; charset=utf-8")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs allow
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: "_Server"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802 (MAX's DELETE /subscriptions)
        self._serve()

    def _serve(self) -> None:
        try:
            self.server.simulator.serve(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout): nothing to answer

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def reset_connection(self) -> None:
        # SO_LINGER 0 turns close() into a TCP RST: the client sees "connection reset".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("simulator: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
        super().__init__(address, _Handler)


class _RunningSimulator:
    """What callers ask of a running simulator: its URLs and its request log."""

    url: str

    @property
    def url_vk(self) -> str:
        return f"{self.url}/method"

    @property
    def url_ok(self) -> str:
        return f"{self.url}/fb.do"

    @property
    def url_max(self) -> str:
        return f"{self.url}{MAX_PREFIX}"

    def max_push(self, update: Mapping[str, Any]) -> dict[str, Any]:
        """Queue a MAX Update (bot_added, bot_started, …) for GET /updates; returns it as served."""
        raise NotImplementedError

    def max_sent(self) -> list[dict[str, Any]]:
        """Messages the bot sent through POST /messages, oldest first."""
        raise NotImplementedError

    def requests(self, network: str | None = None, method: str | None = None) -> list[RequestRecord]:
        raise NotImplementedError

    def count(self, network: str | None = None, method: str | None = None) -> int:
        return len(self.requests(network, method))

    def max_per_window(self, network: str | None = None, window: float = 1.0, token: str | None = None) -> int:
        """The most requests seen in any sliding ``window`` (for one token hash, if given)."""
        times = [r.at for r in self.requests(network) if token is None or r.token == token]
        return max_in_window(times, window)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class SimulatorHandle(_RunningSimulator):
    """A simulator serving from a thread of this process: its URLs, its log, and ``stop()``."""

    url: str
    simulator: Simulator
    _server: _Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def requests(self, network: str | None = None, method: str | None = None) -> list[RequestRecord]:
        return self.simulator.log.records(network, method)

    def clear_log(self) -> None:
        self.simulator.log.clear()

    def max_push(self, update: Mapping[str, Any]) -> dict[str, Any]:
        return self.simulator.max.push_update(update)

    def max_sent(self) -> list[dict[str, Any]]:
        return self.simulator.max.sent()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_simulator(
    scenario: Scenario | Mapping[str, Any] | str | Path, host: str = "127.0.0.1", port: int = 0
) -> SimulatorHandle:
    """Serve ``scenario`` in a background thread; port 0 picks a free port."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    simulator = Simulator(scenario)
    server = _Server((host, port), simulator)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="vk-ok-simulator", daemon=True
    )
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return SimulatorHandle(f"http://{bound_host}:{bound_port}", simulator, server, thread)


class SimulatorProcess(_RunningSimulator):
    """A simulator in a process of its own, as the real APIs are: what it stamps on arrival
    is not delayed by the caller's threads (which share one interpreter lock with an
    in-process simulator), so rate counts and timings are the server's own."""

    def __init__(self, scenario: Mapping[str, Any] | str | Path) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="govpublic-simulator-")
        path = Path(self._dir.name) / "scenario.json"
        if isinstance(scenario, Mapping):
            path.write_text(json.dumps(scenario, ensure_ascii=False, default=str), encoding="utf-8")
        else:
            path = Path(scenario)
        load_scenario(path)  # a bad scenario fails here, with the scenario's own message
        self._final_log: list[RequestRecord] | None = None  # kept by stop(), as the in-process log is
        self._process = subprocess.Popen(
            [sys.executable, "-m", "monitoring.simulator", "--scenario", str(path), "--port", "0"],
            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
        )
        first = self._process.stdout.readline().strip()  # VK_API_URL=http://127.0.0.1:<port>/method
        if not first.startswith("VK_API_URL="):
            self._final_log = []
            self.stop()
            raise RuntimeError(f"the simulator process did not start: {first!r}")
        self.url = first.removeprefix("VK_API_URL=").removesuffix("/method")

    def requests(self, network: str | None = None, method: str | None = None) -> list[RequestRecord]:
        return matching(self._final_log if self._final_log is not None else self._fetch_log(), network, method)

    def _fetch_log(self) -> list[RequestRecord]:
        with urllib.request.urlopen(self.url + LOG_PATH, timeout=30) as response:
            return [RequestRecord(*row[:-1], tuple(row[-1])) for row in json.load(response)]

    def clear_log(self) -> None:
        urllib.request.urlopen(urllib.request.Request(self.url + CLEAR_PATH, data=b"", method="POST"), timeout=30).close()

    def max_push(self, update: Mapping[str, Any]) -> dict[str, Any]:
        data = json.dumps(update, ensure_ascii=False).encode()
        with urllib.request.urlopen(urllib.request.Request(self.url + MAX_PUSH_PATH, data=data, method="POST"),
                                    timeout=30) as response:
            return json.load(response)

    def max_sent(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.url + MAX_SENT_PATH, timeout=30) as response:
            return json.load(response)

    def stop(self) -> None:
        if self._final_log is None:
            self._final_log = self._fetch_log()
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._dir.cleanup()


def _route(path: str, params: Mapping[str, str]) -> tuple[str, str] | None:
    parts = [p for p in path.split("/") if p]
    if len(parts) == 2 and parts[0] == "method":
        return "vk", parts[1]
    if parts == ["fb.do"]:
        return "ok", params.get("method", "")
    if len(parts) == 3 and parts[0] == "api":
        return "ok", f"{parts[1]}.{parts[2]}"
    return None


def _body_params(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length > 0 else b""
    kind = handler.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if kind == "multipart/form-data":
        header = f"Content-Type: {handler.headers.get('Content-Type')}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
        fields = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                payload = part.get_payload(decode=True) or b""
                fields[str(name)] = payload.decode("utf-8", "replace")
        return fields
    return {}  # application/json and the like: not supported by VK, so ignored
