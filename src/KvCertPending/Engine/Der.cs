using System;
using System.IO;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Just enough DER reading for what netstandard2.0 lacks: the public key of a PKCS#10 request, and telling a
    /// certificate from a PKCS#7 blob. Throws <see cref="InvalidDataException"/> on anything malformed.
    /// </summary>
    internal struct Der
    {
        public const byte Sequence = 0x30;
        public const byte Integer = 0x02;
        public const byte BitString = 0x03;
        public const byte ObjectIdentifier = 0x06;

        private readonly byte[] _data;
        private int _position;
        private readonly int _end;

        public Der(byte[] data)
            : this(data, 0, data.Length)
        {
        }

        private Der(byte[] data, int start, int end)
        {
            _data = data;
            _position = start;
            _end = end;
        }

        public bool HasMore => _position < _end;

        public byte PeekTag()
        {
            if (_position >= _end)
            {
                throw new InvalidDataException("Unexpected end of DER data.");
            }

            return _data[_position];
        }

        /// <summary>Reads one element and returns a reader over its content.</summary>
        public Der ReadElement(byte expectedTag)
        {
            var tag = PeekTag();
            if (tag != expectedTag)
            {
                throw new InvalidDataException($"Expected DER tag 0x{expectedTag:x2}, found 0x{tag:x2}.");
            }

            return ReadAny();
        }

        /// <summary>Reads one element whatever its tag and returns a reader over its content.</summary>
        public Der ReadAny()
        {
            _position++; // tag (single-byte tags only: all this reader needs)
            var length = ReadLength();
            if (length > _end - _position)
            {
                throw new InvalidDataException("DER length runs past the end of the data.");
            }

            var content = new Der(_data, _position, _position + length);
            _position += length;
            return content;
        }

        /// <summary>Reads one element whatever its tag and returns it whole (tag, length and content).</summary>
        public byte[] ReadRawElement()
        {
            var start = _position;
            ReadAny();
            var bytes = new byte[_position - start];
            Buffer.BlockCopy(_data, start, bytes, 0, bytes.Length);
            return bytes;
        }

        public byte[] ContentBytes()
        {
            var bytes = new byte[_end - _position];
            Buffer.BlockCopy(_data, _position, bytes, 0, bytes.Length);
            return bytes;
        }

        /// <summary>Decodes an OBJECT IDENTIFIER's content into dotted form.</summary>
        public string ReadOid()
        {
            var content = ReadElement(ObjectIdentifier).ContentBytes();
            if (content.Length == 0)
            {
                throw new InvalidDataException("Empty OBJECT IDENTIFIER.");
            }

            var text = new System.Text.StringBuilder();
            long value = 0;
            var first = true;
            foreach (var b in content)
            {
                if (value > (long.MaxValue >> 7))
                {
                    throw new InvalidDataException("OBJECT IDENTIFIER arc too large.");
                }

                value = (value << 7) | (uint)(b & 0x7f);
                if ((b & 0x80) != 0)
                {
                    continue;
                }

                if (first)
                {
                    var top = Math.Min(2, value / 40);
                    text.Append(top).Append('.').Append(value - (top * 40));
                    first = false;
                }
                else
                {
                    text.Append('.').Append(value);
                }

                value = 0;
            }

            if ((content[content.Length - 1] & 0x80) != 0)
            {
                throw new InvalidDataException("Truncated OBJECT IDENTIFIER.");
            }

            return text.ToString();
        }

        private int ReadLength()
        {
            if (_position >= _end)
            {
                throw new InvalidDataException("Unexpected end of DER data.");
            }

            int first = _data[_position++];
            if (first < 0x80)
            {
                return first;
            }

            var count = first & 0x7f;
            if (count == 0 || count > 4 || count > _end - _position)
            {
                throw new InvalidDataException("Unsupported DER length.");
            }

            var length = 0;
            for (var i = 0; i < count; i++)
            {
                length = (length << 8) | _data[_position++];
            }

            if (length < 0)
            {
                throw new InvalidDataException("Unsupported DER length.");
            }

            return length;
        }
    }

    /// <summary>The algorithm and key bits of a subject public key, comparable between a CSR and a certificate.</summary>
    internal sealed class PublicKeyInfo
    {
        public PublicKeyInfo(string algorithmOid, byte[] keyBits)
        {
            AlgorithmOid = algorithmOid;
            KeyBits = keyBits;
        }

        public string AlgorithmOid { get; }

        public byte[] KeyBits { get; }

        /// <summary>The public key in a PKCS#10 CertificationRequest (DER).</summary>
        public static PublicKeyInfo FromCsr(byte[] csr)
        {
            var request = new Der(csr).ReadElement(Der.Sequence);
            var info = request.ReadElement(Der.Sequence);
            info.ReadAny(); // version
            info.ReadElement(Der.Sequence); // subject
            var spki = info.ReadElement(Der.Sequence);
            var algorithm = spki.ReadElement(Der.Sequence);
            var oid = algorithm.ReadOid();
            var bits = spki.ReadElement(Der.BitString).ContentBytes();
            if (bits.Length < 1)
            {
                throw new InvalidDataException("Empty public key.");
            }

            var key = new byte[bits.Length - 1]; // drop the unused-bits byte
            Buffer.BlockCopy(bits, 1, key, 0, key.Length);
            return new PublicKeyInfo(oid, key);
        }

        public static PublicKeyInfo FromCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
            new(certificate.PublicKey.Oid.Value ?? string.Empty, certificate.PublicKey.EncodedKeyValue.RawData);

        public bool SameKey(PublicKeyInfo other)
        {
            if (!string.Equals(AlgorithmOid, other.AlgorithmOid, StringComparison.Ordinal) || KeyBits.Length != other.KeyBits.Length)
            {
                return false;
            }

            for (var i = 0; i < KeyBits.Length; i++)
            {
                if (KeyBits[i] != other.KeyBits[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
