//! The quirk catalog's identifiers (ENTRA-02, OKTA-07, …). Rule files cite them in
//! `quirks:`; `check` warns about an id it does not know, which is usually a typo.
//! The catalog itself, with sources, is summarised in `rules/README.md`.

const FAMILIES: &[(&str, u8)] = &[
    ("ENTRA", 19),
    ("OKTA", 11),
    ("ONELOGIN", 3),
    ("GOOGLE", 1),
    ("JUMPCLOUD", 3),
    ("PING", 4),
    ("RIPPLING", 1),
    ("KEYCLOAK", 2),
    ("AUTHENTIK", 1),
    ("WSO2", 1),
    ("SAILPOINT", 1),
    ("AWS", 7),
    ("BACKEND", 1),
    ("GEN", 3),
];

/// Whether `id` has the shape of a quirk id (`FAMILY-NN`).
pub fn is_well_formed(id: &str) -> bool {
    match id.split_once('-') {
        Some((family, number)) => {
            !family.is_empty()
                && family
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && number.len() >= 2
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Whether `id` names a quirk in the catalog.
pub fn is_known(id: &str) -> bool {
    let Some((family, number)) = id.split_once('-') else {
        return false;
    };
    let Ok(n) = number.parse::<u8>() else {
        return false;
    };
    number.len() == 2
        && FAMILIES
            .iter()
            .any(|(f, max)| *f == family && (1..=*max).contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_catalog_ids() {
        assert!(is_known("ENTRA-02"));
        assert!(is_known("GEN-01"));
        assert!(is_known("AWS-07"));
        assert!(!is_known("ENTRA-20"));
        assert!(!is_known("ENTRA-2"));
        assert!(!is_known("entra-02"));
        assert!(is_well_formed("ACME-01"));
        assert!(!is_well_formed("acme"));
    }
}
