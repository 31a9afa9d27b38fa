//! Signing snapshots with minisign (Ed25519) keys, so that a team can tell importers that a
//! snapshot is theirs. The signature covers the manifest, which holds the checksum of every
//! section, so it covers the whole file. Keys are minisign's own files: a team can make
//! them with `minisign -G` or `greenroom snapshot keygen`.

use std::io::Cursor;

use base64::Engine as _;
use minisign::{PublicKey, SecretKey, SecretKeyBox, SignatureBox};
use serde::{Deserialize, Serialize};

use super::SnapshotError;

/// Prefix of the trusted (signed) comment that names the signer.
const SIGNER_PREFIX: &str = "greenroom snapshot signed by ";

/// minisign's unsigned comment line; anything else means the block was altered.
const UNTRUSTED_COMMENT: &str = "greenroom snapshot signature";

/// A secret key ready to sign, with the name it signs as.
pub struct SigningKey {
    secret: SecretKey,
    public: PublicKey,
    signer: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id())
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

/// Who signed a snapshot, as its signature says.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureInfo {
    /// The minisign key id (16 hex digits), as `minisign` prints it.
    pub key_id: String,
    /// The name the signer gave (covered by the signature).
    pub signer: String,
    /// The public key (minisign base64), to pin or to compare with the one a team published.
    pub public_key: String,
}

/// Whether a snapshot is signed. A signature that does not check is not a status but an
/// error: such a file is refused.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum SignatureStatus {
    /// No signature.
    Unsigned,
    /// Signed, and the signature checks with the key it names.
    Verified(SignatureInfo),
}

/// What the file stores after the manifest when it is signed.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct SignatureBlock {
    public_key: String,
    signature: String,
}

impl SigningKey {
    /// Makes a new key pair; returns the key and its minisign secret and public key files.
    /// With a password the secret key file is encrypted (scrypt), as minisign does.
    pub fn generate(
        signer: &str,
        password: Option<&str>,
    ) -> Result<(SigningKey, String, String), SnapshotError> {
        let pair = match password {
            Some(p) => minisign::KeyPair::generate_encrypted_keypair(Some(p.to_owned())),
            None => minisign::KeyPair::generate_unencrypted_keypair(),
        }
        .map_err(|e| SnapshotError::Key(format!("cannot make a key pair: {e}")))?;
        let comment = format!("greenroom snapshot key of {}", one_line(signer));
        let secret_file = pair
            .sk
            .to_box(Some(&comment))
            .map_err(|e| SnapshotError::Key(e.to_string()))?
            .into_string();
        let public_file = pair
            .pk
            .to_box()
            .map_err(|e| SnapshotError::Key(e.to_string()))?
            .into_string();
        let key = SigningKey::from_minisign(&secret_file, password, signer)?;
        Ok((key, secret_file, public_file))
    }

    /// Reads a minisign secret key file. An encrypted key needs its password; a missing or
    /// wrong one is an error that says so (nothing is ever prompted here).
    pub fn from_minisign(
        text: &str,
        password: Option<&str>,
        signer: &str,
    ) -> Result<SigningKey, SnapshotError> {
        let encoded = text.lines().nth(1).map(str::trim).unwrap_or_default();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| {
                SnapshotError::Key(
                    "this is not a minisign secret key file (its second line is not a key)".into(),
                )
            })?;
        let parsed = SecretKey::from_bytes(&raw)
            .map_err(|_| SnapshotError::Key("this is not a minisign secret key file".into()))?;
        let boxed =
            SecretKeyBox::from_string(text).map_err(|e| SnapshotError::Key(e.to_string()))?;
        let secret = if parsed.is_encrypted() {
            let Some(password) = password else {
                return Err(SnapshotError::Key(
                    "the signing key is protected by a password; give it (GREENROOM_SIGNING_PASSWORD)".into(),
                ));
            };
            SecretKey::from_box(boxed, Some(password.to_owned()))
        } else {
            SecretKey::from_unencrypted_box(boxed)
        }
        .map_err(|e| SnapshotError::Key(format!("cannot use the signing key: {e}")))?;
        let public =
            PublicKey::from_secret_key(&secret).map_err(|e| SnapshotError::Key(e.to_string()))?;
        Ok(SigningKey {
            secret,
            public,
            signer: one_line(signer),
        })
    }

    /// The key id (16 hex digits).
    pub fn key_id(&self) -> String {
        key_id_of(&self.public)
    }

    /// The public key, minisign base64.
    pub fn public_key(&self) -> String {
        self.public.to_base64()
    }

    /// The name it signs as.
    pub fn signer(&self) -> &str {
        &self.signer
    }

    /// Signs `message` (the manifest); returns the signature block to store.
    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SnapshotError> {
        let comment = format!("{SIGNER_PREFIX}{}", self.signer);
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            Cursor::new(message),
            Some(&comment),
            Some(UNTRUSTED_COMMENT),
        )
        .map_err(|e| SnapshotError::Key(format!("cannot sign: {e}")))?;
        let block = SignatureBlock {
            public_key: self.public.to_base64(),
            signature: signature.into_string(),
        };
        serde_json::to_vec(&block).map_err(|e| SnapshotError::Key(e.to_string()))
    }
}

/// Checks a stored signature block against `message`.
pub(super) fn verify(block: &[u8], message: &[u8]) -> Result<SignatureInfo, SnapshotError> {
    let bad = |why: String| SnapshotError::BadSignature(why);
    let block: SignatureBlock = serde_json::from_slice(block)
        .map_err(|e| bad(format!("the signature block is malformed: {e}")))?;
    let public = PublicKey::from_base64(&block.public_key)
        .map_err(|e| bad(format!("the public key is malformed: {e}")))?;
    if public.to_bytes().get(..2) != Some(b"Ed".as_slice())
        || public.to_base64() != block.public_key
    {
        return Err(bad("the public key is not an Ed25519 minisign key".into()));
    }
    let signature = SignatureBox::from_string(&block.signature)
        .map_err(|e| bad(format!("the signature is malformed: {e}")))?;
    // The untrusted comment is the one line minisign does not sign: hold it to what the
    // writer puts there, so that no byte of the file can change unnoticed.
    if signature.untrusted_comment().ok().as_deref() != Some(UNTRUSTED_COMMENT) {
        return Err(bad("the signature block was altered".into()));
    }
    if !signature.is_prehashed() {
        return Err(bad("legacy minisign signatures are not accepted".into()));
    }
    minisign::verify(
        &public,
        &signature,
        Cursor::new(message),
        true,
        false,
        false,
    )
    .map_err(|e| bad(e.to_string()))?;
    let comment = signature
        .trusted_comment()
        .map_err(|e| bad(e.to_string()))?;
    let signer = comment
        .strip_prefix(SIGNER_PREFIX)
        .unwrap_or(&comment)
        .to_owned();
    Ok(SignatureInfo {
        key_id: key_id_of(&public),
        signer,
        public_key: public.to_base64(),
    })
}

/// The key id of a public key, as minisign prints it (16 uppercase hex digits).
pub fn key_id_of(public: &PublicKey) -> String {
    let mut id = [0u8; 8];
    id.copy_from_slice(&public.keynum()[..8]);
    format!("{:016X}", u64::from_le_bytes(id))
}

/// Reads a public key: a minisign `.pub` file or its base64 line.
pub fn parse_public_key(text: &str) -> Result<SignatureInfo, SnapshotError> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
        .unwrap_or_default();
    let public = PublicKey::from_base64(line).map_err(|_| {
        SnapshotError::Key(
            "this is not a minisign public key (a .pub file, or its base64 line)".into(),
        )
    })?;
    Ok(SignatureInfo {
        key_id: key_id_of(&public),
        signer: String::new(),
        public_key: public.to_base64(),
    })
}

/// A signer name fit for minisign's one-line trusted comment.
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    line.trim().to_owned()
}
