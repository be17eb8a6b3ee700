//! Encryption at rest for the token vault: XChaCha20-Poly1305 (RustCrypto) under a 32-byte key
//! the operator supplies, base64-encoded, from the environment or a file.
//!
//! Every sealed value is bound to where it lives (its "context": table, row and column), so a
//! ciphertext copied into another row or column fails to open instead of handing one user's
//! token to another. The random 24-byte nonce makes reuse across billions of writes a non-issue.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CipherError {
    #[error(
        "the encryption key is not valid: expected 32 bytes encoded as base64 (make one with `mcp-gateway gen-key`), got {0}"
    )]
    InvalidKey(String),
    /// Wrong key, or the stored value was altered or moved.
    #[error("a stored value cannot be decrypted with this key")]
    Undecryptable,
}

/// The vault's key. `Debug` does not show it.
pub struct TokenCipher {
    aead: XChaCha20Poly1305,
    /// The same key as an HMAC-SHA256 key, for [`TokenCipher::derive_key`].
    kdf: Hmac<Sha256>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher([REDACTED])")
    }
}

impl TokenCipher {
    /// A cipher from a base64 key as `gen-key` prints it (surrounding whitespace ignored).
    pub fn from_base64(key: &str) -> Result<TokenCipher, CipherError> {
        let bytes =
            SecretBox::new(Box::new(STANDARD.decode(key.trim()).map_err(|_| {
                CipherError::InvalidKey("text that is not base64".to_owned())
            })?));
        if bytes.expose_secret().len() != 32 {
            return Err(CipherError::InvalidKey(format!(
                "{} bytes",
                bytes.expose_secret().len()
            )));
        }
        let aead = XChaCha20Poly1305::new_from_slice(bytes.expose_secret())
            .map_err(|_| CipherError::InvalidKey("a key of the wrong length".to_owned()))?;
        let kdf = <Hmac<Sha256> as Mac>::new_from_slice(bytes.expose_secret())
            .map_err(|_| CipherError::InvalidKey("a key of the wrong length".to_owned()))?;
        Ok(TokenCipher { aead, kdf })
    }

    /// A fresh random key, base64-encoded.
    pub fn generate_key() -> String {
        STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// A 32-byte key for another purpose (`purpose` names it, e.g. `pseudonyms:acme`), so that
    /// one operator secret serves several uses without any two sharing a key: HKDF-Expand's
    /// single block, HMAC-SHA256(key, label ‖ purpose ‖ 0x01) — the vault key is already uniformly
    /// random, so no extract step is needed.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        let mut mac = self.kdf.clone();
        mac.update(b"mcp-gateway derived key: ");
        mac.update(purpose.as_bytes());
        mac.update(&[1]);
        mac.finalize().into_bytes().into()
    }

    /// `nonce || ciphertext+tag` of `plaintext`, bound to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of a value sealed with this key for this `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, CipherError> {
        if sealed.len() < NONCE_LEN {
            return Err(CipherError::Undecryptable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CipherError::Undecryptable)?;
        self.aead
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Undecryptable)
    }

    /// Like [`TokenCipher::open`], for values that were UTF-8 text (tokens).
    pub fn open_string(&self, sealed: &[u8], context: &str) -> Result<String, CipherError> {
        String::from_utf8(self.open(sealed, context)?).map_err(|_| CipherError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> TokenCipher {
        TokenCipher::from_base64(&TokenCipher::generate_key()).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_only_with_the_same_key_and_context() {
        let cipher = cipher();
        let sealed = cipher.seal(b"refresh-token-value", "connections:con_1:refresh_token");
        assert!(
            !sealed
                .windows(b"refresh-token-value".len())
                .any(|w| w == b"refresh-token-value")
        );
        assert_eq!(
            cipher
                .open_string(&sealed, "connections:con_1:refresh_token")
                .unwrap(),
            "refresh-token-value"
        );
        assert_eq!(
            cipher.open(&sealed, "connections:con_2:refresh_token"),
            Err(CipherError::Undecryptable),
            "a value moved to another row must not open"
        );
        assert_eq!(
            super::tests::cipher().open(&sealed, "connections:con_1:refresh_token"),
            Err(CipherError::Undecryptable),
            "another key must not open it"
        );
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let cipher = cipher();
        assert_ne!(cipher.seal(b"x", "c"), cipher.seal(b"x", "c"));
    }

    #[test]
    fn keys_that_are_not_32_base64_bytes_are_refused_with_the_reason() {
        assert_eq!(
            TokenCipher::from_base64("not base64!").unwrap_err(),
            CipherError::InvalidKey("text that is not base64".into())
        );
        assert_eq!(
            TokenCipher::from_base64(&STANDARD.encode([0u8; 16])).unwrap_err(),
            CipherError::InvalidKey("16 bytes".into())
        );
        assert!(TokenCipher::from_base64(&format!("  {}\n", STANDARD.encode([7u8; 32]))).is_ok());
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_by_vault_key_and_are_stable() {
        let key = TokenCipher::generate_key();
        let one = TokenCipher::from_base64(&key).unwrap();
        let again = TokenCipher::from_base64(&key).unwrap();
        assert_eq!(
            one.derive_key("pseudonyms:acme"),
            again.derive_key("pseudonyms:acme")
        );
        assert_ne!(
            one.derive_key("pseudonyms:acme"),
            one.derive_key("pseudonyms:globex")
        );
        assert_ne!(
            one.derive_key("pseudonyms:acme"),
            cipher().derive_key("pseudonyms:acme")
        );
    }
}
