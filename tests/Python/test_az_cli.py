"""The az CLI (Debian's azure-cli 2.45, unmodified) against a local vault, through a registered cloud.

How az is pointed at the vault (src/KvCertPending.LocalVault/README.md, "The az CLI"):
- a cloud whose Resource Manager endpoint is the vault, so az reads the vault's metadata document
  (/metadata/endpoints): the sign-in authority is the vault as an AD FS authority (https://localhost:PORT/adfs; MSAL
  for Python validates any Entra authority it does not know at login.microsoftonline.com, which no setting of az
  redirects), and az login lists /subscriptions there; its Key Vault DNS suffix is ':PORT' (so --vault-name localhost
  means https://localhost:PORT);
- az login --service-principal, with tokens issued by the vault's own sign-in endpoint (the vault requires them);
- REQUESTS_CA_BUNDLE set to the vault's own TLS certificate only; verification stays on.

Each lifecycle step runs twice: with `az keyvault certificate ...` (skipped, with the reason, where Debian's azure-cli
cannot load its Key Vault data-plane SDK) and with `az rest`, which works.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from localvault import LocalVault

AZ = shutil.which("az")
KEY_VAULT = "https://vault.azure.net"
API = "api-version=7.4"
CLIENT_ID = "3c5e1a2b-7d4f-4e8a-9b6c-0f1e2d3c4b5a"

# Debian's azure-cli 2.45 runs `az keyvault certificate|secret ...` on the track-1 SDK azure-keyvault 1.1
# (azure.keyvault.KeyVaultClient, azure.keyvault.v7_0), which Debian's python3-azure does not ship: the command fails
# with an ImportError before it sends a request. Known: Azure/azure-cli#26835, #30740, #21818.
DEBIAN_TRACK1_MISSING = ("No module named 'azure.keyvault.v7_0'", "cannot import name 'KeyVaultAuthentication'")
DEBIAN_TRACK1_REASON = ("this azure-cli cannot load azure-keyvault 1.1 (track 1), which Debian does not package "
                        "(Azure/azure-cli#26835): the command fails with an ImportError before any request")


class AzCli:
    """az in its own configuration folder, signed in to a cloud registered for one local vault."""

    def __init__(self, vault):
        self.vault = vault
        self.config = tempfile.mkdtemp(prefix="kvlocalvault-az-")
        self.env = dict(os.environ, AZURE_CONFIG_DIR=self.config, REQUESTS_CA_BUNDLE=vault.certificate_path,
                        AZURE_CORE_COLLECT_TELEMETRY="false", AZURE_CORE_NO_COLOR="true",
                        AZURE_CORE_SURVEY_MESSAGE="false")
        self.env.pop("SSL_CERT_FILE", None)
        self.cloud = "LocalVault%d" % vault.port

    def register_cloud(self):
        # az reads the rest of the cloud (sign-in authority, token audience) from the vault's /metadata/endpoints.
        self.run("cloud", "register", "--name", self.cloud, "--endpoint-resource-manager", self.vault.url + "/",
                 "--suffix-keyvault-dns", ":%d" % self.vault.port)
        self.run("cloud", "set", "--name", self.cloud)

    def sign_in(self):
        self.register_cloud()
        return self.run("login", "--service-principal", "-u", CLIENT_ID, "-p", "not-checked",
                        "--tenant", self.vault.tenant, "--allow-no-subscriptions")

    def sign_in_with_managed_identity(self):
        """az login --identity, as in Cloud Shell or on a VM with the MSI extension: MSI_ENDPOINT names the vault's
        managed-identity endpoint (POST, form resource=..., header Metadata: true)."""
        self.env["MSI_ENDPOINT"] = self.vault.url + "/metadata/identity/oauth2/token"
        self.register_cloud()
        return self.run("login", "--identity", "--allow-no-subscriptions")

    def close(self):
        shutil.rmtree(self.config, ignore_errors=True)

    def call(self, *arguments):
        """Runs az; returns (exit code, parsed JSON output or None, stderr)."""
        done = subprocess.run([AZ, *arguments, "--output", "json"], env=self.env, capture_output=True, text=True, timeout=120)
        output = done.stdout.strip()
        return done.returncode, (json.loads(output) if output else None), done.stderr

    def run(self, *arguments):
        code, output, error = self.call(*arguments)
        if code != 0:
            raise AssertionError("az %s failed (%d): %s" % (" ".join(arguments), code, error[-2000:]))
        return output

    def rest(self, method, path, body=None):
        """az rest against the vault's Key Vault API, with a Key Vault token az gets from the vault."""
        arguments = ["rest", "--method", method, "--url", self.vault.url + path, "--resource", KEY_VAULT]
        if body is not None:
            arguments += ["--body", json.dumps(body)]
        return self.run(*arguments)

    def keyvault(self, test, *arguments):
        """`az keyvault ...`; skips the test (with the reason) where Debian's azure-cli cannot run it."""
        code, output, error = self.call("keyvault", *arguments)
        if code != 0 and any(marker in error for marker in DEBIAN_TRACK1_MISSING):
            test.skipTest("az keyvault %s: %s" % (" ".join(a for a in arguments[:3] if not a.startswith("-")), DEBIAN_TRACK1_REASON))
        if code != 0:
            raise AssertionError("az keyvault %s failed (%d): %s" % (" ".join(arguments), code, error[-2000:]))
        return output


def pem_chain(x5c):
    return "".join("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"
                   % "\n".join(item[i:i + 64] for i in range(0, len(item), 64)) for item in x5c)


def unknown_policy(subject):
    return {"issuer": {"name": "Unknown"}, "x509_props": {"subject": subject},
            "key_props": {"kty": "RSA", "key_size": 2048, "exportable": True, "reuse_key": False}}


@unittest.skipUnless(AZ, "the az CLI is not installed (the README's test command installs Debian's azure-cli)")
class AzCliTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vault = LocalVault("--require-issued-tokens", "--self-delay-ms", "300")
        cls.vault.start()
        cls.az = AzCli(cls.vault)
        try:
            cls.accounts = cls.az.sign_in()
        except Exception:
            cls.az.close()
            cls.vault.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.az.close()
        cls.vault.stop()

    def raw(self, method, path, body=None):
        """The vault's answer, read past az (the test's own check of what az did)."""
        token = self.az.run("account", "get-access-token", "--resource", KEY_VAULT)["accessToken"]
        return self.vault.request(method, path, body, {"Authorization": "Bearer " + token})

    def test_login_makes_a_tenant_level_account_on_the_registered_cloud(self):
        account = self.az.run("account", "show")
        self.assertEqual(self.vault.tenant, account["tenantId"])
        self.assertEqual(self.az.cloud, account["environmentName"])
        self.assertEqual("servicePrincipal", account["user"]["type"])

    def test_the_key_vault_token_az_gets_is_one_the_vault_issued(self):
        token = self.az.run("account", "get-access-token", "--resource", KEY_VAULT)
        self.assertEqual(self.vault.tenant, token["tenant"])
        status, _, _ = self.vault.request("GET", "/certificates?" + API, headers={"Authorization": "Bearer " + token["accessToken"]})
        self.assertEqual(200, status)
        status, headers, _ = self.vault.request("GET", "/certificates?" + API, headers={"Authorization": "Bearer forged"})
        self.assertEqual(401, status)
        self.assertIn('resource="https://vault.azure.net"', headers["WWW-Authenticate"])

    def test_login_with_managed_identity_through_msi_endpoint(self):
        az = AzCli(self.vault)
        try:
            accounts = az.sign_in_with_managed_identity()
            self.assertEqual("MSI", accounts[0]["user"]["assignedIdentityInfo"])
            self.assertEqual(self.vault.tenant, accounts[0]["tenantId"])
            listed = az.rest("get", "/certificates?" + API)
            self.assertIn("value", listed)
        finally:
            az.close()

    # --- az rest: every step of the lifecycle -------------------------------------------------------------------

    def test_rest_create_unknown_show_pending_merge_pem_chain_and_show(self):
        name = "az-rest-unknown"
        created = self.az.rest("post", "/certificates/%s/create?%s" % (name, API), {"policy": unknown_policy("CN=" + name + ".contoso.test")})
        self.assertEqual("inProgress", created["status"])
        pending = self.az.rest("get", "/certificates/%s/pending?%s" % (name, API))
        self.assertEqual(created["request_id"], pending["request_id"])
        self.assertEqual("Pending certificate created. Please Perform Merge to complete the request.", pending["status_details"])

        chain = self.vault.sign(pending["csr"])
        merged = self.az.rest("post", "/certificates/%s/pending/merge?%s" % (name, API), {"x5c": chain})
        self.assertTrue(merged["attributes"]["enabled"])
        self.assertEqual(chain[0], merged["cer"])

        shown = self.az.rest("get", "/certificates/%s?%s" % (name, API))
        self.assertEqual(merged["x5t"], shown["x5t"])
        self.assertEqual("completed", self.az.rest("get", "/certificates/%s/pending?%s" % (name, API))["status"])

    def test_rest_create_self_completes_after_its_delay(self):
        name = "az-rest-self"
        policy = {"issuer": {"name": "Self"}, "x509_props": {"subject": "CN=" + name}}
        self.assertEqual("inProgress", self.az.rest("post", "/certificates/%s/create?%s" % (name, API), {"policy": policy})["status"])
        deadline = time.monotonic() + 30
        while self.az.rest("get", "/certificates/%s/pending?%s" % (name, API))["status"] == "inProgress" and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertTrue(self.az.rest("get", "/certificates/%s?%s" % (name, API))["attributes"]["enabled"])

    def test_rest_delete_pending_then_not_found(self):
        name = "az-rest-delete"
        self.az.rest("post", "/certificates/%s/create?%s" % (name, API), {"policy": unknown_policy("CN=" + name)})
        deleted = self.az.rest("delete", "/certificates/%s/pending?%s" % (name, API))
        self.assertEqual("inProgress", deleted["status"])
        code, _, error = self.az.call("rest", "--method", "get", "--url", "%s/certificates/%s/pending?%s" % (self.vault.url, name, API), "--resource", KEY_VAULT)
        self.assertNotEqual(0, code)
        self.assertIn("Not Found", error)
        self.assertIn("PendingCertificateNotFound", error)

    def test_rest_list_include_pending_and_issuer_create_show(self):
        name = "az-rest-list"
        self.az.rest("post", "/certificates/%s/create?%s" % (name, API), {"policy": unknown_policy("CN=" + name)})
        listed = self.az.rest("get", "/certificates?%s&includePending=true" % API)["value"]
        self.assertIn(self.vault.url + "/certificates/" + name, [item["id"] for item in listed])
        without = self.az.rest("get", "/certificates?%s&includePending=false" % API)["value"]
        self.assertNotIn(self.vault.url + "/certificates/" + name, [item["id"] for item in without])

        issuer = self.az.rest("put", "/certificates/issuers/az-rest-digicert?" + API,
                              {"provider": "DigiCert", "credentials": {"account_id": "account", "pwd": "secret"}})
        self.assertEqual("DigiCert", issuer["provider"])
        self.assertNotIn("pwd", issuer["credentials"])
        self.assertEqual(issuer["id"], self.az.rest("get", "/certificates/issuers/az-rest-digicert?" + API)["id"])

    # --- az keyvault certificate: the same steps through az's own commands ---------------------------------------

    def test_keyvault_certificate_create_unknown_pending_show_merge_pem_show(self):
        name = "az-kv-unknown"
        policy = os.path.join(self.az.config, name + ".json")
        with open(policy, "w") as f:
            json.dump({"issuerParameters": {"name": "Unknown"}, "x509CertificateProperties": {"subject": "CN=" + name},
                       "keyProperties": {"keyType": "RSA", "keySize": 2048, "exportable": True, "reuseKey": False}}, f)
        created = self.az.keyvault(self, "certificate", "create", "--vault-name", "localhost", "--name", name, "--policy", "@" + policy)
        self.assertEqual("inProgress", created["status"])
        pending = self.az.keyvault(self, "certificate", "pending", "show", "--vault-name", "localhost", "--name", name)
        pem = os.path.join(self.az.config, name + ".pem")
        with open(pem, "w") as f:
            f.write(pem_chain(self.vault.sign(pending["csr"])))
        merged = self.az.keyvault(self, "certificate", "pending", "merge", "--vault-name", "localhost", "--name", name, "--file", pem)
        self.assertTrue(merged["attributes"]["enabled"])
        shown = self.az.keyvault(self, "certificate", "show", "--vault-name", "localhost", "--name", name)
        self.assertEqual(merged["id"], shown["id"])
        self.assertTrue(shown["attributes"]["enabled"])

    def test_keyvault_certificate_create_self_and_list_include_pending(self):
        name = "az-kv-self"
        policy = self.az.keyvault(self, "certificate", "get-default-policy")
        path = os.path.join(self.az.config, name + ".json")
        with open(path, "w") as f:
            json.dump(policy, f)
        self.az.keyvault(self, "certificate", "create", "--vault-name", "localhost", "--name", name, "--policy", "@" + path)
        listed = self.az.keyvault(self, "certificate", "list", "--vault-name", "localhost", "--include-pending")
        self.assertIn(name, [item["name"] for item in listed])

    def test_keyvault_certificate_pending_delete(self):
        name = "az-kv-delete"
        self.raw("POST", "/certificates/%s/create?%s" % (name, API), {"policy": unknown_policy("CN=" + name)})
        deleted = self.az.keyvault(self, "certificate", "pending", "delete", "--vault-name", "localhost", "--name", name)
        self.assertEqual("inProgress", deleted["status"])
        self.assertEqual(404, self.raw("GET", "/certificates/%s/pending?%s" % (name, API))[0])

    def test_keyvault_certificate_issuer_create_show(self):
        created = self.az.keyvault(self, "certificate", "issuer", "create", "--vault-name", "localhost", "--issuer-name", "az-kv-digicert",
                                   "--provider-name", "DigiCert", "--account-id", "account", "--password", "secret")
        self.assertEqual("DigiCert", created["provider"])
        shown = self.az.keyvault(self, "certificate", "issuer", "show", "--vault-name", "localhost", "--issuer-name", "az-kv-digicert")
        self.assertEqual(created["id"], shown["id"])


if __name__ == "__main__":
    unittest.main()
