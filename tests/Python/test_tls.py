"""TLS: the unmodified clients trust the local vault through an environment variable that names the vault's own
certificate and nothing else (the machine's own trust variables are removed for each test), and fail with a
certificate error without it. Verification is never switched off.

- The synchronous clients (CertificateClient, ClientSecretCredential through MSAL) use requests, which reads
  REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) and not SSL_CERT_FILE.
- SSL_CERT_FILE is read by Python's default TLS verification (ssl.create_default_context): the asynchronous clients
  use it when given connection_verify=None, for which azure-core's aiohttp transport builds that default context.
  Their default, connection_verify=True, hands aiohttp ssl=True, which aiohttp 3.8 (Debian 12's) takes as "do not
  verify" (aiohttp issue 6828), so that default would prove nothing here."""

import asyncio
import ssl
import unittest

from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from azure.keyvault.certificates import CertificatePolicy
from azure.keyvault.certificates._shared import http_challenge_cache
from azure.keyvault.certificates.aio import CertificateClient as AsyncCertificateClient

import vaulttest
from localvault import LocalVault
from vaulttest import new_name, trust_only

CERTIFICATE_ERROR = "CERTIFICATE_VERIFY_FAILED"


class TrustTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.vault = LocalVault("--self-delay-ms", str(vaulttest.SELF_DELAY_MS))
        cls.addClassCleanup(cls.vault.stop)
        cls.vault.start()

    def setUp(self):
        # A fresh client's first request is the vault's challenge (not a token request) only while the SDK's
        # process-wide challenge cache does not know the vault yet.
        http_challenge_cache.clear()

    def sync_round_trip(self):
        """Sign in and create a pending certificate through the synchronous clients; returns its status."""
        name = new_name("tls")
        with vaulttest.secret_credential(self.vault) as credential, \
                vaulttest.certificate_client(self.vault, credential) as client:
            client.begin_create_certificate(name, CertificatePolicy(issuer_name="Unknown", subject="CN=tls"))
            return client.get_certificate_operation(name).status

    def async_round_trip(self):
        """The same through the asynchronous clients, with Python's default TLS verification."""
        async def run():
            name = new_name("tlsasync")
            credential = AsyncClientSecretCredential(self.vault.tenant, "python-suite-app", "not-checked",
                                                     authority=self.vault.url, instance_discovery=False,
                                                     connection_verify=None)
            client = AsyncCertificateClient(self.vault.url, credential, verify_challenge_resource=False,
                                            connection_verify=None)
            async with credential, client:
                await client.create_certificate(name, CertificatePolicy(issuer_name="Unknown",
                                                                                  subject="CN=tls"))
                return (await client.get_certificate_operation(name)).status
        return asyncio.run(run())

    def assert_certificate_error(self, round_trip, error=ServiceRequestError):
        http_challenge_cache.clear()
        with self.assertRaises(error) as raised:
            round_trip()
        self.assertIn(CERTIFICATE_ERROR, str(raised.exception))

    def test_requests_ca_bundle_naming_the_vaults_certificate_is_trusted(self):
        with trust_only(self.vault.certificate_path, "REQUESTS_CA_BUNDLE"):
            self.assertEqual("inProgress", self.sync_round_trip())

    def test_ssl_cert_file_naming_the_vaults_certificate_is_trusted_by_pythons_default_verification(self):
        with trust_only(self.vault.certificate_path, "SSL_CERT_FILE"):
            self.assertEqual(self.vault.certificate_path, ssl.get_default_verify_paths().cafile)
            self.assertEqual("inProgress", self.async_round_trip())

    def test_ssl_cert_file_is_not_read_by_the_synchronous_clients(self):
        with trust_only(self.vault.certificate_path, "SSL_CERT_FILE"):
            self.assert_certificate_error(self.sync_round_trip)

    def test_without_a_trust_variable_both_clients_fail_with_a_certificate_error(self):
        with trust_only(None, None):
            self.assert_certificate_error(self.sync_round_trip)
            self.assert_certificate_error(self.async_round_trip)
            # The sign-in endpoint is on the same listener: the credential cannot reach it either.
            with vaulttest.secret_credential(self.vault, retry_total=0) as credential, \
                    self.assertLogs("azure.identity", "WARNING"):
                self.assert_certificate_error(lambda: credential.get_token(vaulttest.KEY_VAULT_SCOPE),
                                              ClientAuthenticationError)

    def test_trusting_another_certificate_of_the_vault_is_not_enough(self):
        # The local CA root is not the vault's TLS certificate: trusting it must not let the client in.
        with trust_only(self.vault.ca_root_path, "REQUESTS_CA_BUNDLE"):
            self.assert_certificate_error(self.sync_round_trip)
        with trust_only(self.vault.ca_root_path, "SSL_CERT_FILE"):
            self.assert_certificate_error(self.async_round_trip)


if __name__ == "__main__":
    unittest.main()
