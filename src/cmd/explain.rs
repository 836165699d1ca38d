//! `scimshim explain`: reads a request, rule files and optionally the
//! upstream's answer, runs them through the rules as `serve` does, and prints
//! why they came out as they did.

use std::io::{IsTerminal, Read};
use std::path::Path;

use serde_json::Value;

use crate::cli::{ExplainArgs, ExplainColor, ExplainFormat};
use crate::config::normalize_base_path;
use crate::explain::render::{self, Style};
use crate::explain::{self, Options, input};
use crate::rules::secret::ProcessEnv;
use crate::rules::{LoadOptions, SecretMode};

use super::exit;

pub fn run(args: &ExplainArgs) -> i32 {
    match explain_and_print(args) {
        Ok(()) => exit::OK,
        Err(message) => {
            eprintln!("error: {message}");
            exit::USAGE
        }
    }
}

fn explain_and_print(args: &ExplainArgs) -> Result<(), String> {
    let base_path = normalize_base_path(&args.base_path).map_err(|e| e.to_string())?;
    let (source, bytes) = match &args.request {
        Some(path) if path != Path::new("-") => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            (path.display().to_string(), bytes)
        }
        _ => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            ("standard input".to_string(), bytes)
        }
    };
    let spec = input::parse(&bytes).map_err(|e| format!("the request ({source}): {e}"))?;
    let resource = match &args.resource {
        Some(path) => Some(read_resource(path)?),
        None => None,
    };
    let response = match &args.response {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Some(
                input::parse_response(&bytes)
                    .map_err(|e| format!("the response ({}): {e}", path.display()))?,
            )
        }
        None => None,
    };

    let loaded = crate::rules::load(
        &args.rules,
        &LoadOptions {
            env: &ProcessEnv,
            secrets: SecretMode::Lenient,
        },
    )
    .map_err(|e| e.to_string())?;
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    if loaded.has_errors() {
        let n = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(format!(
            "the rule files have {n} error(s); nothing was explained"
        ));
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let options = Options {
        base_path,
        resource,
        against_embedded: args.against_embedded,
        response,
    };
    let explanation = runtime
        .block_on(explain::explain(&loaded.set, &spec, &options))
        .map_err(|e| e.to_string())?;
    match args.format {
        ExplainFormat::Json => {
            let doc = render::json(&explanation);
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        ExplainFormat::Text => {
            let style = Style {
                color: use_color(args.color),
            };
            print!("{}", render::text(&explanation, style));
        }
    }
    Ok(())
}

/// The `--resource` file, JSON or YAML.
fn read_resource(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let parsed = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())
    } else {
        serde_saphyr::from_str::<Value>(&text).map_err(|e| e.to_string())
    };
    match parsed {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(format!(
            "the resource ({}): expected a JSON object",
            path.display()
        )),
        Err(e) => Err(format!("the resource ({}): {e}", path.display())),
    }
}

/// `auto`: colour on a terminal unless `NO_COLOR` is set (no-color.org).
fn use_color(choice: ExplainColor) -> bool {
    match choice {
        ExplainColor::Always => true,
        ExplainColor::Never => false,
        ExplainColor::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
