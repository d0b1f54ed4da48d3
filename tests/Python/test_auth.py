"""Authentication through the unmodified SDK: Key Vault's 401 challenge and the bearer token that follows it, and the
azure.identity credentials (ClientSecretCredential, ManagedIdentityCredential App Service style and IMDS style) against
a vault that accepts only tokens issued by its own sign-in endpoints, which refuses a forged token."""

import base64
import json
import time
import unittest

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.identity import ManagedIdentityCredential
from azure.keyvault.certificates import CertificateClient, CertificatePolicy
from azure.keyvault.certificates._shared import http_challenge_cache
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import vaulttest
from vaulttest import KEY_VAULT_SCOPE, VaultTestCase, new_name

# Every variable through which ManagedIdentityCredential picks its hosting environment.
MANAGED_IDENTITY_VARIABLES = ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT",
                              "MSI_ENDPOINT", "MSI_SECRET", "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                              "AZURE_FEDERATED_TOKEN_FILE")
# The object id of the vault's system-assigned managed identity (IdentitySettings.SystemAssignedId).
SYSTEM_ASSIGNED_ID = "0b7e3f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
USER_ASSIGNED_ID = "5a3e0f7c-2b1d-4c9e-8f6a-7d2c1b0e9a84"


class Exchanges(SansIOHTTPPolicy):
    """Records what the client sends after its authentication policy, and what comes back."""

    def __init__(self):
        self.seen = []

    def on_request(self, request):
        http = request.http_request
        self.seen.append({"method": http.method, "url": http.url, "authorization": http.headers.get("Authorization"),
                          "length": http.headers.get("Content-Length"), "body": http.body})

    def on_response(self, request, response):
        http = response.http_response
        self.seen[-1].update(status=http.status_code, challenge=http.headers.get("WWW-Authenticate"))


class CountingCredential:
    """Wraps a credential and records every get_token call (scopes and keyword arguments)."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = []

    def get_token(self, *scopes, **kwargs):
        self.calls.append((scopes, kwargs))
        return self.inner.get_token(*scopes, **kwargs)


class StaticCredential:
    """Hands out a token it was given (a forged one)."""

    def __init__(self, token):
        self.token = token

    def get_token(self, *_, **__):
        return AccessToken(self.token, int(time.time()) + 3600)


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def forged_token(tenant):
    """A well-formed RS256 JWT with the right audience and tenant, signed by a key the vault never saw."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())

    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = part({"alg": "RS256", "typ": "JWT", "kid": "forged"}) + "." + part(
        {"aud": "https://vault.azure.net", "tid": tenant, "iss": "https://login.microsoftonline.com/%s/v2.0" % tenant,
         "nbf": now - 60, "iat": now, "exp": now + 3600, "oid": "forged", "appid": "forged"})
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def challenge_for(tenant):
    return 'Bearer authorization="https://login.windows.net/%s", resource="https://vault.azure.net"' % tenant


class ChallengeTests(VaultTestCase):
    """A vault that accepts any bearer token, as Key Vault's front door does before it checks one."""

    def test_a_request_without_a_token_gets_the_challenge_and_changes_nothing(self):
        name = new_name("challenge")
        for method, path, body in (("GET", "/certificates?api-version=7.3", None),
                                   ("POST", "/certificates/%s/create?api-version=7.3" % name,
                                    {"policy": {"issuer": {"name": "Self"}, "x509_props": {"subject": "CN=x"}}})):
            with self.subTest(method=method):
                status, headers, answer = self.vault.request(method, path, body)

                self.assertEqual(401, status)
                self.assertEqual(challenge_for(self.vault.tenant), headers["WWW-Authenticate"])
                self.assertEqual({"error": {"code": "Unauthorized",
                                            "message": "AKV10000: Request is missing a Bearer or PoP token."}}, answer)
        with self.assertRaises(ResourceNotFoundError):
            self.client.get_certificate_operation(name)

    def test_the_client_meets_the_challenge_then_sends_a_bearer_token(self):
        http_challenge_cache.clear()  # the SDK keeps challenges per host for the life of the process
        exchanges = Exchanges()
        credential = CountingCredential(self.credential)
        name = new_name("bearer")
        with vaulttest.certificate_client(self.vault, credential, per_retry_policies=[exchanges]) as client:
            client.begin_create_certificate(name, CertificatePolicy(issuer_name="Unknown", subject="CN=" + name))
            client.get_certificate_operation(name)

        first, second, third = exchanges.seen
        # 1. The create without a token and without its body: the challenge.
        self.assertEqual(("POST", None, "0", 401), (first["method"], first["authorization"], first["length"],
                                                     first["status"]))
        self.assertEqual(challenge_for(self.vault.tenant), first["challenge"])
        # 2. The same create with the token the challenge asked for, and its body: accepted.
        self.assertEqual(("POST", 202), (second["method"], second["status"]))
        self.assertEqual(first["url"], second["url"])
        self.assertTrue(second["authorization"].startswith("Bearer "))
        self.assertIn(b'"Unknown"', second["body"] if isinstance(second["body"], bytes) else second["body"].encode())
        # 3. Later requests carry the token at once.
        self.assertEqual(("GET", 200), (third["method"], third["status"]))
        self.assertEqual(second["authorization"], third["authorization"])
        self.assertEqual([((KEY_VAULT_SCOPE,), {"tenant_id": self.vault.tenant})], credential.calls)

    def test_a_client_that_checks_the_challenge_resource_refuses_a_vault_outside_vault_azure_net(self):
        http_challenge_cache.clear()
        credential = CountingCredential(self.credential)
        with CertificateClient(self.vault.url, credential) as client:
            with self.assertRaises(ValueError) as raised:
                client.get_certificate_operation(new_name("checked"))
        self.assertIn("The challenge resource 'vault.azure.net' does not match the requested domain",
                      str(raised.exception))
        self.assertEqual([], credential.calls)


class IssuedTokenTests(VaultTestCase):
    """A vault started with --require-issued-tokens: only tokens from its own sign-in endpoints are accepted."""

    vault_arguments = VaultTestCase.vault_arguments + ("--require-issued-tokens",)

    def managed_identity(self, **variables):
        values = dict.fromkeys(MANAGED_IDENTITY_VARIABLES)
        values.update(variables)
        return vaulttest.environment(**values)

    def assert_lifecycle_works(self, credential, prefix):
        """A Self create through the credential's token, to completion."""
        with vaulttest.certificate_client(self.vault, credential) as client:
            name = new_name(prefix)
            poller = client.begin_create_certificate(name, CertificatePolicy.get_default(), _polling_interval=0.1)
            certificate = vaulttest.finish(poller)
            self.assertEqual("completed", client.get_certificate_operation(name).status, certificate)
            self.assertTrue(certificate.cer)

    def assert_issued(self, token, subject):
        issued = claims(token)
        self.assertEqual("https://vault.azure.net", issued["aud"])
        self.assertEqual(self.vault.tenant, issued["tid"])
        self.assertEqual(subject, issued["oid"])
        self.assertGreater(issued["exp"], time.time() + 3000)

    def test_client_secret_credential_gets_an_issued_token_that_the_vault_accepts(self):
        credential = vaulttest.secret_credential(self.vault, client_id="python-secret-app")
        with credential:
            self.assert_issued(credential.get_token(KEY_VAULT_SCOPE).token, "python-secret-app")
            self.assert_lifecycle_works(credential, "secret")

    def test_managed_identity_credential_app_service_style(self):
        with self.managed_identity(IDENTITY_ENDPOINT=self.vault.managed_identity_endpoint,
                                   IDENTITY_HEADER=self.vault.managed_identity_header):
            with ManagedIdentityCredential() as credential:
                self.assert_issued(credential.get_token(KEY_VAULT_SCOPE).token, SYSTEM_ASSIGNED_ID)
                self.assert_lifecycle_works(credential, "appservice")

    def test_managed_identity_credential_imds_style_with_a_user_assigned_identity(self):
        with self.managed_identity(AZURE_POD_IDENTITY_AUTHORITY_HOST=self.vault.url):
            with ManagedIdentityCredential(client_id=USER_ASSIGNED_ID) as credential:
                self.assert_issued(credential.get_token(KEY_VAULT_SCOPE).token, USER_ASSIGNED_ID)
                self.assert_lifecycle_works(credential, "imds")

    def test_managed_identity_credential_with_a_wrong_header_gets_no_token(self):
        with self.managed_identity(IDENTITY_ENDPOINT=self.vault.managed_identity_endpoint,
                                   IDENTITY_HEADER="0" * 48):
            with ManagedIdentityCredential() as credential, self.assertLogs("azure.identity", "WARNING") as logged:
                with self.assertRaises(ClientAuthenticationError):
                    credential.get_token(KEY_VAULT_SCOPE)
        self.assertIn("The X-IDENTITY-HEADER header is missing or wrong.", "\n".join(logged.output))

    def test_a_forged_token_is_refused(self):
        token = forged_token(self.vault.tenant)
        with vaulttest.certificate_client(self.vault, StaticCredential(token)) as client:
            with self.assertRaises(ClientAuthenticationError) as raised:
                client.get_certificate_operation(new_name("forged"))
        self.assertEqual(401, raised.exception.status_code)
        status, headers, body = self.vault.request("GET", "/certificates?api-version=7.3",
                                                   headers={"Authorization": "Bearer " + token})
        self.assertEqual(401, status)
        self.assertEqual(challenge_for(self.vault.tenant), headers["WWW-Authenticate"])
        self.assertTrue(body["error"]["message"].startswith("AKV10022"), body)

    def test_an_issued_token_for_another_resource_is_refused(self):
        with self.managed_identity(AZURE_POD_IDENTITY_AUTHORITY_HOST=self.vault.url):
            with ManagedIdentityCredential() as credential:
                token = credential.get_token("https://management.azure.com/.default").token
        self.assertEqual("https://management.azure.com", claims(token)["aud"])
        status, _, _ = self.vault.request("GET", "/certificates?api-version=7.3",
                                          headers={"Authorization": "Bearer " + token})
        self.assertEqual(401, status)


if __name__ == "__main__":
    unittest.main()
