"""The seed's pending-certificate lifecycle through the unmodified CertificateClient (azure-keyvault-certificates)
against one local vault process: create with Self, Unknown and a simulated DigiCert issuer; the pending object in every
state; 409 on create while in progress; 403 on merge while an issuer request is in progress; cancel; delete; merge of
a chain signed by a CA the test makes; backup and restore; every service version the SDK knows."""

import base64
import time
import unittest

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.certificates import (ApiVersion, CertificateContentType, CertificateOperation, CertificatePolicy,
                                         KeyVaultCertificate, WellKnownIssuerNames)
from cryptography import x509
from cryptography.hazmat.primitives import hashes

import vaulttest
from vaulttest import IN_PROGRESS_DETAILS, MERGE_DETAILS, SHORT_DELAY, TestCa, VaultTestCase, new_name


class LifecycleTests(VaultTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ca = TestCa()
        cls.issuer = new_name("mydigicert")
        cls.client.create_issuer(cls.issuer, provider="DigiCert", account_id="python-suite", password="not-echoed",
                                 organization_id="org-1")

    def simulate(self, delay_seconds=SHORT_DELAY, outcome="issue", honour_cancellation=True):
        """The DigiCert issuer's next requests: a delay, then the outcome (through the management endpoint)."""
        self.vault.set_issuer_simulation(self.issuer, delay_seconds, outcome, honour_cancellation)

    def create_self(self, name, delay_seconds):
        """A Self create while the Self delay is `delay_seconds` (each request keeps the delay it was created with;
        the vault's short delay is back for the next ones)."""
        self.vault.set_issuer_simulation("Self", delay_seconds)
        try:
            return self.create(name, WellKnownIssuerNames.self)
        finally:
            self.vault.set_issuer_simulation("Self", vaulttest.SELF_DELAY_MS / 1000)

    def create(self, name, issuer_name, subject=None, **policy):
        policy = CertificatePolicy(issuer_name=issuer_name, subject=subject or "CN=%s.python.test" % name, **policy)
        return self.client.begin_create_certificate(name, policy, _polling_interval=0.1)

    def assert_in_progress(self, operation, issuer_name, details=IN_PROGRESS_DETAILS):
        self.assertIsInstance(operation, CertificateOperation)
        self.assertEqual("inProgress", operation.status)
        self.assertEqual(issuer_name, operation.issuer_name)
        self.assertEqual(details, operation.status_details)
        self.assertFalse(operation.cancellation_requested)
        self.assertIsNone(operation.error)
        self.assertIsNone(operation.target)
        self.assertRegex(operation.request_id, "^[0-9a-f]{32}$")
        self.assertTrue(operation.csr)

    def assert_disabled_without_certificate(self, name):
        """GET /certificates/{name} while no certificate was issued: the version exists, disabled, without cer."""
        certificate = self.client.get_certificate(name)
        self.assertFalse(certificate.properties.enabled)
        self.assertIsNone(certificate.cer)
        self.assertIsNone(certificate.properties.x509_thumbprint)
        return certificate

    def assert_completed(self, name, request_id):
        operation = self.client.get_certificate_operation(name)
        self.assertEqual("completed", operation.status)
        self.assertEqual("%s/certificates/%s" % (self.vault.url, name), operation.target)
        self.assertEqual(request_id, operation.request_id)
        self.assertIsNone(operation.status_details)
        self.assertIsNone(operation.error)
        return operation

    # -- create, and the pending object in each state --------------------------------------------------------------

    def test_create_with_self_is_in_progress_then_completes_self_signed(self):
        name = new_name("self")
        # Long enough that the GET right after the create sees inProgress on a loaded machine.
        poller = self.create_self(name, delay_seconds=1)
        operation = self.client.get_certificate_operation(name)
        self.assert_in_progress(operation, "Self")

        certificate = vaulttest.finish(poller)

        self.assertIsInstance(certificate, KeyVaultCertificate)
        self.assert_completed(name, operation.request_id)
        leaf = x509.load_der_x509_certificate(bytes(certificate.cer))
        self.assertEqual(leaf.subject, leaf.issuer)
        self.assertTrue(vaulttest.signed_by(leaf, leaf))
        self.assertEqual(vaulttest.sha1(certificate.cer), certificate.properties.x509_thumbprint)
        self.assertTrue(certificate.properties.enabled)

    def test_create_with_unknown_waits_for_a_merge(self):
        name = new_name("unknown")
        poller = self.create(name, WellKnownIssuerNames.unknown)

        # The SDK's poller is finished at once for Unknown (nothing will happen until a merge) and has no result.
        self.assertTrue(poller.done())
        self.assertIsNone(poller.result(1))
        self.assert_in_progress(self.client.get_certificate_operation(name), "Unknown", MERGE_DETAILS)
        time.sleep(2 * SHORT_DELAY)
        self.assert_in_progress(self.client.get_certificate_operation(name), "Unknown", MERGE_DETAILS)

    def test_create_with_digicert_issuer_is_in_progress_then_completed_by_its_ca(self):
        self.simulate(delay_seconds=1)
        name = new_name("digicert")
        poller = self.create(name, self.issuer, certificate_type="OV-SSL")
        operation = self.client.get_certificate_operation(name)
        self.assert_in_progress(operation, self.issuer)

        certificate = vaulttest.finish(poller)

        self.assertIsInstance(certificate, KeyVaultCertificate)
        self.assert_completed(name, operation.request_id)
        self.assertEqual(self.issuer, certificate.policy.issuer_name)
        self.assertEqual("OV-SSL", certificate.policy.certificate_type)
        with open(self.vault.ca_root_path, "rb") as file:
            root = x509.load_pem_x509_certificate(file.read())
        leaf = x509.load_der_x509_certificate(bytes(certificate.cer))
        self.assertEqual(root.subject, leaf.issuer)
        self.assertTrue(vaulttest.signed_by(leaf, root))

    def test_create_with_an_issuer_that_does_not_exist_is_refused(self):
        name = new_name("noissuer")
        with self.assertRaises(ResourceNotFoundError) as raised:
            self.create(name, new_name("missing"))
        self.assert_service_error(raised.exception, 404, "CertificateIssuerNotFound")
        with self.assertRaises(ResourceNotFoundError):
            self.client.get_certificate_operation(name)

    def test_pending_csr_is_the_requested_key_and_names(self):
        name = new_name("csr")
        subject = "CN=%s.python.test, O=KvCertPending" % name
        self.create(name, WellKnownIssuerNames.unknown, subject=subject, san_dns_names=[name + ".python.test"])

        operation = self.client.get_certificate_operation(name)
        csr = x509.load_der_x509_csr(bytes(operation.csr))

        self.assertTrue(csr.is_signature_valid)
        self.assertEqual(name + ".python.test", csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value)
        self.assertEqual("KvCertPending",
                         csr.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value)
        sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertEqual([name + ".python.test"], sans.get_values_for_type(x509.DNSName))
        self.assertEqual(2048, csr.public_key().key_size)
        # The raw CSR (Accept: application/pkcs10) is the same request, bare base64.
        status, headers, body = self.vault.request("GET", "/certificates/%s/pending?api-version=7.3" % name,
                                                   headers={"Authorization": "Bearer " + self.token(),
                                                            "Accept": "application/pkcs10"})
        self.assertEqual(200, status)
        self.assertTrue(headers["Content-Type"].startswith("application/pkcs10"))
        self.assertEqual(bytes(operation.csr), base64.b64decode(body))

        leaf, chain = self.ca.chain(operation.csr)
        merged = self.client.merge_certificate(name, chain)
        self.assertEqual(vaulttest.public_der(csr.public_key()),
                         vaulttest.public_der(x509.load_der_x509_certificate(bytes(merged.cer)).public_key()))

    def token(self):
        return self.credential.get_token(vaulttest.KEY_VAULT_SCOPE).token

    def test_failed_and_rejected_requests_carry_the_issuers_error(self):
        for outcome, code in (("fail", "Certificate issuer error"), ("reject", "Request rejected")):
            with self.subTest(outcome=outcome):
                self.simulate(outcome=outcome)
                name = new_name(outcome)
                # The poller reads the failed object too; with this SDK its thread dies of the inner-error bug
                # (vaulttest.MISSING_INNER_ERROR_BUG), which is the client's, not the vault's, and logs it.
                with vaulttest.captured_warnings("azure.keyvault.certificates._polling") as warnings:
                    result = vaulttest.finish(self.create(name, self.issuer))

                operation = vaulttest.wait_until_finished(self.client, name)

                self.assertEqual("failed", operation.status)
                self.assertEqual(code, operation.error[0])
                self.assertIn("DigiCert", operation.error[1])
                self.assertIsNone(operation.target)
                self.assertIsNone(operation.status_details)
                if isinstance(result, AttributeError):
                    self.assertIn(vaulttest.MISSING_INNER_ERROR_BUG, str(result))
                    self.assertEqual([vaulttest.MISSING_INNER_ERROR_BUG], [r.getMessage() for r in warnings])
                else:
                    self.assertEqual(code, result.error.code)
                # The raw answer has exactly {code, message}, as the live service writes it (no innererror).
                status, _, body = self.vault.request("GET", "/certificates/%s/pending?api-version=7.3" % name,
                                                     headers={"Authorization": "Bearer " + self.token()})
                self.assertEqual(200, status)
                self.assertEqual({"code", "message"}, set(body["error"]))

    # -- 409 and 403 ---------------------------------------------------------------------------------------------

    def test_create_while_a_request_is_in_progress_is_409_conflict(self):
        name = new_name("conflict")
        self.create(name, WellKnownIssuerNames.unknown)
        before = self.client.get_certificate_operation(name)

        with self.assertRaises(ResourceExistsError) as raised:
            self.create(name, WellKnownIssuerNames.unknown)

        self.assert_service_error(raised.exception, 409, "Conflict",
                                  "A new certificate can not be created or imported while a pending certificate's "
                                  "status is inProgress")
        self.assertEqual(before.request_id, self.client.get_certificate_operation(name).request_id)

    def test_import_while_a_request_is_in_progress_is_409_and_replaces_it_once_deleted(self):
        name = new_name("import")
        self.create(name, WellKnownIssuerNames.unknown)
        pem, certificate = vaulttest.self_signed_pem(name + ".python.test")
        policy = CertificatePolicy(issuer_name="Unknown", subject="CN=%s.python.test" % name,
                                   content_type=CertificateContentType.pem)

        with self.assertRaises(ResourceExistsError) as raised:
            self.client.import_certificate(name, pem, policy=policy)
        self.assert_service_error(raised.exception, 409, "Conflict", "while a pending certificate's status is "
                                                                     "inProgress")

        self.client.delete_certificate_operation(name)
        # The SDK sends the PEM bytes base64-encoded, as it does every import (the service accepts both forms).
        imported = self.client.import_certificate(name, pem, policy=policy)
        self.assertEqual(certificate.fingerprint(hashes.SHA1()), imported.properties.x509_thumbprint)
        self.assertTrue(imported.properties.enabled)
        self.assertEqual(CertificateContentType.pem, imported.policy.content_type)

    def test_merge_while_an_issuer_request_is_in_progress_is_403_and_allowed_once_cancelled(self):
        self.simulate(delay_seconds=30, honour_cancellation=True)
        name = new_name("forbidden")
        poller = self.create(name, self.issuer)
        operation = self.client.get_certificate_operation(name)
        leaf, chain = self.ca.chain(operation.csr)

        with self.assertRaises(HttpResponseError) as raised:
            self.client.merge_certificate(name, chain)
        self.assert_service_error(raised.exception, 403, "Forbidden",
                                  "Merge is forbidden on pending object created with issuer : %s while it is in "
                                  "progress" % self.issuer)
        self.assertEqual("inProgress", self.client.get_certificate_operation(name).status)

        self.client.cancel_certificate_operation(name)
        self.assertEqual("cancelled", vaulttest.wait_until_finished(self.client, name).status)
        vaulttest.finish(poller)
        merged = self.client.merge_certificate(name, chain)
        self.assertEqual(leaf.fingerprint(hashes.SHA1()), merged.properties.x509_thumbprint)

    # -- cancel and delete ---------------------------------------------------------------------------------------

    def test_cancel_an_issuer_request_that_honours_it_reaches_cancelled(self):
        self.simulate(delay_seconds=30, honour_cancellation=True)
        name = new_name("cancel")
        poller = self.create(name, self.issuer)

        requested = self.client.cancel_certificate_operation(name)

        self.assertEqual("inProgress", requested.status)
        self.assertTrue(requested.cancellation_requested)
        result = vaulttest.finish(poller)
        self.assertIsInstance(result, CertificateOperation)
        self.assertEqual("cancelled", result.status)
        cancelled = self.client.get_certificate_operation(name)
        self.assertEqual("cancelled", cancelled.status)
        self.assertTrue(cancelled.cancellation_requested)
        self.assertIsNone(cancelled.error)
        self.assertIsNone(cancelled.target)
        self.assertEqual(requested.request_id, cancelled.request_id)
        # Not in progress any more: the live service's 403.
        with self.assertRaises(HttpResponseError) as raised:
            self.client.cancel_certificate_operation(name)
        self.assert_service_error(raised.exception, 403, "Forbidden", "Pending status must be in progress")

    def test_cancel_a_self_request_within_its_delay_reaches_cancelled(self):
        name = new_name("selfcancel")
        poller = self.create_self(name, delay_seconds=10)

        requested = self.client.cancel_certificate_operation(name)

        self.assertTrue(requested.cancellation_requested)
        result = vaulttest.finish(poller)
        self.assertIsInstance(result, CertificateOperation)
        self.assertEqual("cancelled", result.status)
        self.assertTrue(result.cancellation_requested)
        self.assert_disabled_without_certificate(name)

    def test_delete_the_pending_object_then_get_is_404(self):
        name = new_name("delete")
        self.create(name, WellKnownIssuerNames.unknown)

        deleted = self.client.delete_certificate_operation(name)

        self.assertEqual("inProgress", deleted.status)
        self.assertEqual("Unknown", deleted.issuer_name)
        with self.assertRaises(ResourceNotFoundError) as raised:
            self.client.get_certificate_operation(name)
        self.assert_service_error(raised.exception, 404, "PendingCertificateNotFound", name)
        # The certificate's version stays, disabled, without a certificate.
        self.assert_disabled_without_certificate(name)

    # -- merge ---------------------------------------------------------------------------------------------------

    def test_merge_a_chain_signed_by_the_tests_own_ca(self):
        name = new_name("merge")
        self.create(name, WellKnownIssuerNames.unknown)
        pending = self.assert_disabled_without_certificate(name)
        operation = self.client.get_certificate_operation(name)
        leaf, chain = self.ca.chain(operation.csr)

        merged = self.client.merge_certificate(name, chain)

        self.assertEqual(chain[0], bytes(merged.cer))
        self.assertEqual(leaf.fingerprint(hashes.SHA1()), merged.properties.x509_thumbprint)
        self.assertTrue(merged.properties.enabled)
        self.assertRegex(merged.properties.version, "^[0-9a-f]{32}$")
        self.assertEqual(pending.properties.version, merged.properties.version)
        self.assertEqual("Unknown", merged.policy.issuer_name)
        fetched = self.client.get_certificate(name)
        self.assertEqual(chain[0], bytes(fetched.cer))
        self.assertEqual(merged.properties.x509_thumbprint, fetched.properties.x509_thumbprint)
        self.assertTrue(vaulttest.signed_by(x509.load_der_x509_certificate(bytes(fetched.cer)), self.ca.root))
        self.assert_completed(name, operation.request_id)

    def test_merge_a_chain_for_another_key_is_400_and_changes_nothing(self):
        name = new_name("mismatch")
        other = new_name("other")
        self.create(name, WellKnownIssuerNames.unknown)
        self.create(other, WellKnownIssuerNames.unknown)
        _, wrong_chain = self.ca.chain(self.client.get_certificate_operation(other).csr)

        with self.assertRaises(HttpResponseError) as raised:
            self.client.merge_certificate(name, wrong_chain)

        self.assert_service_error(raised.exception, 400, "BadParameter", "does not match")
        self.assertEqual("inProgress", self.client.get_certificate_operation(name).status)

    def test_list_with_include_pending_shows_pending_certificates(self):
        name = new_name("listed")
        self.create(name, WellKnownIssuerNames.unknown)

        without = {item.name for item in self.client.list_properties_of_certificates()}
        with_pending = {item.name: item for item in self.client.list_properties_of_certificates(include_pending=True)}

        self.assertNotIn(name, without)
        self.assertIn(name, with_pending)
        self.assertFalse(with_pending[name].enabled)

    # -- backup and restore -------------------------------------------------------------------------------------

    def test_backup_then_restore_after_delete_and_purge_brings_back_every_version(self):
        name = new_name("backup")
        first = vaulttest.finish(self.create(name, WellKnownIssuerNames.self))
        second = vaulttest.finish(self.create(name, WellKnownIssuerNames.self))
        self.assertNotEqual(first.properties.version, second.properties.version)
        versions = sorted((v.version, v.x509_thumbprint) for v in self.client.list_properties_of_certificate_versions(name))

        backup = self.client.backup_certificate(name)

        self.assertIsInstance(backup, bytes)
        self.client.begin_delete_certificate(name, _polling_interval=0.1).wait()
        self.client.purge_deleted_certificate(name)
        with self.assertRaises(ResourceNotFoundError):
            self.client.get_certificate(name)

        restored = self.client.restore_certificate_backup(backup)

        self.assertIsInstance(restored, KeyVaultCertificate)
        self.assertEqual(name, restored.name)
        self.assertEqual(second.properties.version, restored.properties.version)
        self.assertEqual(bytes(second.cer), bytes(restored.cer))
        self.assertEqual("Self", restored.policy.issuer_name)
        self.assertEqual(versions,
                         sorted((v.version, v.x509_thumbprint) for v in self.client.list_properties_of_certificate_versions(name)))
        self.assertEqual(bytes(first.cer), bytes(self.client.get_certificate_version(name, first.properties.version).cer))

        # Again onto the live name: 409; a blob altered in one byte: 400, and nothing changes.
        with self.assertRaises(ResourceExistsError) as exists:
            self.client.restore_certificate_backup(backup)
        self.assert_service_error(exists.exception, 409, "Conflict", "certificate already exists")
        tampered = bytearray(backup)
        tampered[len(tampered) // 2] ^= 1
        with self.assertRaises(HttpResponseError) as malformed:
            self.client.restore_certificate_backup(bytes(tampered))
        self.assert_service_error(malformed.exception, 400, "Malformed backup blob", "invalid or corrupt")
        self.assertEqual(second.properties.version, self.client.get_certificate(name).properties.version)

    def test_backup_of_a_certificate_that_does_not_exist_is_404(self):
        with self.assertRaises(ResourceNotFoundError) as raised:
            self.client.backup_certificate(new_name("nobackup"))
        self.assert_service_error(raised.exception, 404, "CertificateNotFound")

    # -- every service version this SDK knows ---------------------------------------------------------------------

    def test_every_api_version_of_this_sdk_runs_create_get_and_merge(self):
        for version in ApiVersion:
            with self.subTest(api_version=version.value):
                client = vaulttest.certificate_client(self.vault, self.credential, api_version=version)
                self.addCleanup(client.close)
                name = new_name("v" + version.value.replace(".", "-"))
                client.begin_create_certificate(name, CertificatePolicy(issuer_name="Unknown", subject="CN=" + name))
                operation = client.get_certificate_operation(name)
                self.assertEqual("inProgress", operation.status)
                leaf, chain = self.ca.chain(operation.csr)
                merged = client.merge_certificate(name, chain)
                self.assertEqual(leaf.fingerprint(hashes.SHA1()), merged.properties.x509_thumbprint)
                self.assertEqual("completed", client.get_certificate_operation(name).status)


if __name__ == "__main__":
    unittest.main()
