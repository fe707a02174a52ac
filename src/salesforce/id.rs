//! Salesforce record ids: 15-character (case-sensitive) and 18-character (case-safe) forms.

use std::fmt;

/// An 18-character record id, the form the REST API returns and the one we pass around.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordIdError {
    BadLength(usize),
    BadCharacter,
    BadChecksum,
}

impl fmt::Display for RecordIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordIdError::BadLength(n) => {
                write!(f, "a record id has 15 or 18 characters, not {n}")
            }
            RecordIdError::BadCharacter => f.write_str("a record id has only letters and digits"),
            RecordIdError::BadChecksum => {
                f.write_str("the record id's last 3 characters do not match")
            }
        }
    }
}

impl std::error::Error for RecordIdError {}

const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

fn checksum(id15: &[u8]) -> [u8; 3] {
    let mut out = [0u8; 3];
    for (chunk_index, chunk) in id15.chunks(5).enumerate() {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_uppercase())
            .fold(0usize, |acc, (i, _)| acc | (1 << i));
        out[chunk_index] = SUFFIX_ALPHABET[bits];
    }
    out
}

impl RecordId {
    /// Accepts either form; a given 18-character suffix must match the 15-character body,
    /// compared case-insensitively, as Salesforce does.
    pub fn parse(text: &str) -> Result<Self, RecordIdError> {
        let bytes = text.as_bytes();
        if bytes.len() != 15 && bytes.len() != 18 {
            return Err(RecordIdError::BadLength(bytes.len()));
        }
        if !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return Err(RecordIdError::BadCharacter);
        }
        let body = &bytes[..15];
        let suffix = checksum(body);
        if bytes.len() == 18 && !bytes[15..].eq_ignore_ascii_case(&suffix) {
            return Err(RecordIdError::BadChecksum);
        }
        let mut id = String::with_capacity(18);
        id.push_str(&text[..15]);
        id.extend(suffix.iter().map(|&b| b as char));
        Ok(RecordId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The three-character key prefix that names the object type.
    pub fn key_prefix(&self) -> &str {
        &self.0[..3]
    }

    /// The standard object this id belongs to, when its prefix is one we know.
    /// A user's id, and nothing else (a record's `OwnerId` may be a queue's, `00G…`, which a
    /// Task cannot be assigned to).
    pub fn user(text: &str) -> Option<RecordId> {
        RecordId::parse(text)
            .ok()
            .filter(|id| id.object_name() == Some("User"))
    }

    pub fn object_name(&self) -> Option<&'static str> {
        Some(match self.key_prefix() {
            "001" => "Account",
            "003" => "Contact",
            "005" => "User",
            "006" => "Opportunity",
            "00Q" => "Lead",
            "00T" => "Task",
            "00D" => "Organization",
            "500" => "Case",
            _ => return None,
        })
    }
}

impl TryFrom<String> for RecordId {
    type Error = RecordIdError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        RecordId::parse(&text)
    }
}

impl From<RecordId> for String {
    fn from(id: RecordId) -> String {
        id.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_to_eighteen_matches_the_published_vector() {
        assert_eq!(
            RecordId::parse("00558000001N0Ke").unwrap().as_str(),
            "00558000001N0KeAAK"
        );
    }

    #[test]
    fn eighteen_character_suffix_is_case_insensitive_but_checked() {
        assert!(RecordId::parse("00558000001N0Keaak").is_ok());
        assert_eq!(
            RecordId::parse("00558000001N0KeAAA"),
            Err(RecordIdError::BadChecksum)
        );
    }

    #[test]
    fn rejects_wrong_length_and_characters() {
        assert_eq!(RecordId::parse("003"), Err(RecordIdError::BadLength(3)));
        assert_eq!(
            RecordId::parse("003<script>abcd"),
            Err(RecordIdError::BadCharacter)
        );
    }

    #[test]
    fn knows_the_objects_the_phone_works_with() {
        let contact = RecordId::parse("003000000000001").unwrap();
        assert_eq!(contact.object_name(), Some("Contact"));
        let lead = RecordId::parse("00Q000000000001").unwrap();
        assert_eq!(lead.object_name(), Some("Lead"));
    }
}
