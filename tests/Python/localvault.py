"""Starts and stops a local vault (the built KvCertPending.LocalVault) for the Python suites, and talks to its
management endpoints. Nothing here disables TLS verification: clients trust exactly the vault's own certificate."""

import atexit
import json
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROJECT = os.path.join(REPO, "src", "KvCertPending.LocalVault")


def vault_command():
    """dotnet exec on the dll the solution build made (KVCERTPENDING_TEST_CONFIGURATION picks Debug or Release),
    else dotnet run on the project."""
    configuration = os.environ.get("KVCERTPENDING_TEST_CONFIGURATION", "Debug")
    dll = os.path.join(PROJECT, "bin", configuration, "net10.0", "KvCertPending.LocalVault.dll")
    if os.path.exists(dll):
        return ["dotnet", "exec", dll]
    return ["dotnet", "run", "--project", PROJECT, "--configuration", configuration, "--"]


class LocalVault:
    """One local vault process on a free loopback port, with its own data folder (removed at stop)."""

    def __init__(self, *arguments, port=0):
        self.arguments = list(arguments)
        self.port = port
        self.data = tempfile.mkdtemp(prefix="kvlocalvault-py-")
        self.process = None
        self.url = None
        self.tenant = None
        self.log = []

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *_):
        self.stop()

    @property
    def certificate_path(self):
        """The vault's own TLS certificate (PEM): what REQUESTS_CA_BUNDLE / SSL_CERT_FILE point at."""
        return os.path.join(self.data, "tls-certificate.pem")

    @property
    def ca_root_path(self):
        return os.path.join(self.data, "ca-root.pem")

    @property
    def managed_identity_endpoint(self):
        """The App Service style managed-identity endpoint: what IDENTITY_ENDPOINT points at."""
        return self.url + "/_localvault/identity/token"

    @property
    def managed_identity_header(self):
        """This run's secret for IDENTITY_HEADER: the vault writes it to its data folder (owner-only) before it prints
        its URL, and never prints it."""
        with open(os.path.join(self.data, "managed-identity-header"), encoding="ascii") as file:
            return file.read().strip()

    def start(self, timeout=60):
        command = vault_command() + ["--port", str(self.port), "--data", self.data] + self.arguments
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        atexit.register(self.stop)  # a run that ends without stopping it (an interrupt) still stops the vault
        ready = threading.Event()

        def drain():
            for line in self.process.stdout:
                self.log.append(line.rstrip("\n"))
                match = re.match(r"^Local vault listening on (\S+)", line)
                if match:
                    self.url = match.group(1).rstrip("/")
                match = re.match(r"^Tenant \(401 challenge\):\s+(\S+)", line)
                if match:
                    self.tenant = match.group(1)
                if self.url and self.tenant:
                    ready.set()
            ready.set()

        self._drain = threading.Thread(target=drain, daemon=True)
        self._drain.start()
        if not ready.wait(timeout) or not self.url:
            self.stop()
            raise RuntimeError("The local vault did not start:\n" + "\n".join(self.log))
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        if self.process:
            self._drain.join(10)
            self.process.stdout.close()
            atexit.unregister(self.stop)
        shutil.rmtree(self.data, ignore_errors=True)

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.certificate_path)

    def request(self, method, path, body=None, headers=None):
        """A raw HTTPS request to the vault (management paths, or Key Vault paths with a bearer header given).
        Returns (status, headers, body): the body parsed when it is JSON, else its text (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, context=self.ssl_context(), timeout=30) as response:
                return response.status, response.headers, _body(response.headers, response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.headers, _body(error.headers, error.read())

    def set_issuer_simulation(self, issuer, delay_seconds=0.3, outcome="issue", honour_cancellation=True):
        status, _, body = self.request("PUT", "/_localvault/simulations/" + issuer,
                                       {"delaySeconds": delay_seconds, "outcome": outcome, "honourCancellation": honour_cancellation})
        if status != 200:
            raise RuntimeError("simulation not set: %s %s" % (status, body))

    def sign(self, csr_base64, validity_days=365):
        """The local CA signs a CSR: returns the x5c list (leaf, then the CA root), base64 DER."""
        status, _, body = self.request("POST", "/_localvault/ca/sign", {"csr": csr_base64, "validityDays": validity_days})
        if status != 200:
            raise RuntimeError("CA sign failed: %s %s" % (status, body))
        return body["x5c"]


def _body(headers, data):
    if not data:
        return None
    if (headers.get("Content-Type") or "").startswith("application/json"):
        return json.loads(data)
    return data.decode("utf-8")
