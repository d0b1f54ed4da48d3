"""What the Python suites share: a test case class that runs one local vault for its module and reaches it through the
unmodified CertificateClient and azure.identity, environment handling for TLS trust, a certificate authority the test
makes itself (python3-cryptography), and readers that wait for a pending object to leave inProgress.

TLS: the clients trust exactly the vault's own certificate (the trust variables the machine may set, pointing at the
system store, are removed while a suite runs); verification is never switched off."""

import contextlib
import datetime
import hashlib
import logging
import os
import time
import unittest
import uuid

from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.keyvault.certificates import CertificateClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from localvault import LocalVault

# Every variable through which Python's HTTP stacks find trusted certificates: requests reads the first two,
# Python's ssl module (OpenSSL's default paths) the last two.
TRUST_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")

KEY_VAULT_SCOPE = "https://vault.azure.net/.default"
SELF_DELAY_MS = 300
SHORT_DELAY = 0.3
WAIT_SECONDS = 15

IN_PROGRESS_DETAILS = ("Pending certificate created. Certificate request is in progress. This may take some time based "
                       "on the issuer provider. Please check again later.")
MERGE_DETAILS = "Pending certificate created. Please Perform Merge to complete the request."


@contextlib.contextmanager
def environment(**values):
    """Sets (a string) or removes (None) environment variables for the block, and puts back what was there."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set_variable(name, value)
        yield
    finally:
        for name, value in saved.items():
            _set_variable(name, value)


def _set_variable(name, value):
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def trust_only(path, variable):
    """The block's environment trusts exactly `path` through `variable` (None: through nothing at all)."""
    values = dict.fromkeys(TRUST_VARIABLES)
    if variable is not None:
        values[variable] = path
    return environment(**values)


def new_name(prefix):
    """A certificate or issuer name no other test uses (names are 0-9 a-z A-Z -)."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def secret_credential(vault, client_id="python-suite-app", **options):
    """ClientSecretCredential against the vault's own token endpoint (the secret is not checked by the vault)."""
    return ClientSecretCredential(vault.tenant, client_id, "not-checked", authority=vault.url, instance_discovery=False,
                                  **options)


def certificate_client(vault, credential, **options):
    # The vault's host is localhost, not *.vault.azure.net, so the client must not match the challenge's resource
    # against the host (as for every Key Vault outside Azure's public domains).
    return CertificateClient(vault.url, credential, verify_challenge_resource=False, **options)


class Operation:
    """A pending object as the client read it: status, error (code, message) or None, and the SDK's object, which is
    None where this SDK could not build it (see read_operation)."""

    def __init__(self, status, error, target, status_details, cancellation_requested, request_id, sdk_object):
        self.status = status
        self.error = error
        self.target = target
        self.status_details = status_details
        self.cancellation_requested = cancellation_requested
        self.request_id = request_id
        self.sdk_object = sdk_object


# How azure-keyvault-certificates up to 4.10 fails on an error without an inner error, which is how the live service
# writes a failed pending object's error (azure-cli issue 31764; fixed by azure-sdk-for-python pull request 41965).
MISSING_INNER_ERROR_BUG = "'NoneType' object has no attribute 'code'"


def read_operation(client, name):
    """client.get_certificate_operation(name); where this SDK cannot build a failed operation (its inner-error bug),
    the same GET through the same client's generated layer, which reads the error's code and message."""
    try:
        operation = client.get_certificate_operation(name)
    except AttributeError as error:
        if MISSING_INNER_ERROR_BUG not in str(error):
            raise
        bundle = client._client.get_certificate_operation(vault_base_url=client.vault_url, certificate_name=name)
        error = (bundle.error.code, bundle.error.message) if bundle.error else None
        return Operation(bundle.status, error, bundle.target, bundle.status_details, bundle.cancellation_requested,
                         bundle.request_id, None)
    error = (operation.error.code, operation.error.message) if operation.error else None
    return Operation(operation.status, error, operation.target, operation.status_details,
                     operation.cancellation_requested, operation.request_id, operation)


def wait_until_finished(client, name, timeout=WAIT_SECONDS):
    """Reads the pending object until it is no longer inProgress (bounded), and returns it."""
    deadline = time.monotonic() + timeout
    while True:
        operation = read_operation(client, name)
        if operation.status != "inProgress" or time.monotonic() > deadline:
            return operation
        time.sleep(0.1)


def finish(poller, timeout=WAIT_SECONDS):
    """Waits for a create poller and returns its result, or the exception its polling thread raised."""
    try:
        return poller.result(timeout)
    except Exception as error:  # pylint: disable=broad-except
        return error


@contextlib.contextmanager
def captured_warnings(logger_name):
    """Collects the warnings a logger writes in the block (instead of Python's last-resort print to stderr)."""
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def sha1(data):
    return hashlib.sha1(bytes(data)).digest()


def signed_by(certificate, issuer):
    """True when `issuer`'s key verifies `certificate`'s signature."""
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(),
                       certificate.signature_hash_algorithm)
        else:
            key.verify(certificate.signature, certificate.tbs_certificate_bytes,
                       ec.ECDSA(certificate.signature_hash_algorithm))
        return True
    except Exception:  # pylint: disable=broad-except
        return False


def public_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


class TestCa:
    """A certificate authority the test makes itself: an EC P-256 root that signs the vault's CSRs."""

    def __init__(self, common_name="KvCertPending Python suite root"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.root = (x509.CertificateBuilder()
                     .subject_name(self.name).issuer_name(self.name)
                     .public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(minutes=5))
                     .not_valid_after(now + datetime.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                                  key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                  key_cert_sign=True, crl_sign=True, encipher_only=False,
                                                  decipher_only=False), critical=True)
                     .sign(self.key, hashes.SHA256()))

    def sign(self, csr_der, days=30):
        """The leaf for a PKCS#10 request (DER): its subject, its public key and its requested extensions."""
        csr = x509.load_der_x509_csr(bytes(csr_der))
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (x509.CertificateBuilder()
                   .subject_name(csr.subject).issuer_name(self.name)
                   .public_key(csr.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=days))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
        for extension in _requested_extensions(csr):
            builder = builder.add_extension(extension.value, extension.critical)
        return builder.sign(self.key, hashes.SHA256())

    def chain(self, csr_der):
        """[leaf DER, root DER]: what merge_certificate takes as x509_certificates. Returns (leaf, chain)."""
        leaf = self.sign(csr_der)
        return leaf, [leaf.public_bytes(serialization.Encoding.DER), self.root.public_bytes(serialization.Encoding.DER)]


def self_signed_pem(common_name):
    """A certificate and its private key, PEM (what an import of content type application/x-pem-file takes), and the
    certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder()
                   .subject_name(name).issuer_name(name)
                   .public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .sign(key, hashes.SHA256()))
    pem = (certificate.public_bytes(serialization.Encoding.PEM)
           + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption()))
    return pem, certificate


def _requested_extensions(csr):
    return [extension for extension in csr.extensions if not isinstance(extension.value, x509.BasicConstraints)]


class VaultTestCase(unittest.TestCase):
    """One local vault for the whole test class (module), started with `vault_arguments`, and a CertificateClient on
    it with a ClientSecretCredential; REQUESTS_CA_BUNDLE names the vault's certificate and nothing else is trusted."""

    vault_arguments = ("--self-delay-ms", str(SELF_DELAY_MS))
    vault = None
    client = None

    @classmethod
    def setUpClass(cls):
        # A class cleanup runs even when setUpClass (a subclass's too) fails after the vault started.
        stack = contextlib.ExitStack()
        cls.addClassCleanup(stack.close)
        cls.vault = stack.enter_context(LocalVault(*cls.vault_arguments))
        stack.enter_context(trust_only(cls.vault.certificate_path, "REQUESTS_CA_BUNDLE"))
        cls.credential = stack.enter_context(secret_credential(cls.vault))
        cls.client = stack.enter_context(certificate_client(cls.vault, cls.credential))

    def assert_service_error(self, error, status, code=None, message_part=None):
        """An HttpResponseError with the service's status, error code and (part of its) message."""
        self.assertIsInstance(error, HttpResponseError)
        self.assertEqual(status, error.status_code, error)
        if code is not None:
            self.assertEqual(code, error.error.code if error.error else None, error)
        if message_part is not None:
            self.assertIn(message_part, error.error.message if error.error else "", error)
