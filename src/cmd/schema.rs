//! `scimshim schema`: prints the rule-file JSON Schema (the committed copy is
//! `docs/rules.schema.json`), or with `--config` the `scimshim.yaml` one
//! (`docs/scimshim.schema.json`); tests keep the committed copies equal.

use crate::cli::SchemaArgs;

pub fn run(args: &SchemaArgs) -> i32 {
    let schema = if args.config {
        crate::config::json_schema()
    } else {
        crate::rules::model::json_schema()
    };
    match serde_json::to_string_pretty(&schema) {
        Ok(s) => {
            println!("{s}");
            super::exit::OK
        }
        Err(_) => super::exit::USAGE,
    }
}
