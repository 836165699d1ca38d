//! `scimshim schema`: prints the rule-file JSON Schema (the committed copy is
//! `docs/rules.schema.json`; a test keeps them equal).

pub fn run() -> i32 {
    let schema = crate::rules::model::json_schema();
    match serde_json::to_string_pretty(&schema) {
        Ok(s) => {
            println!("{s}");
            super::exit::OK
        }
        Err(_) => super::exit::USAGE,
    }
}
