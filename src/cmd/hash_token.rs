//! `scimshim hash-token`: the line of an inbound-auth hash file for a token.
//! The token comes from standard input (never from the command line, where
//! `ps` and shell history would keep it) or is made here (`--generate`).
//! Standard output gets only the hash line, so `>> tokens.sha256` appends it;
//! a generated token goes to standard error, once.

use std::io::{BufRead, IsTerminal, Read, Write};

use anyhow::{Context, bail};

use super::exit;
use crate::cli::HashTokenArgs;
use crate::proxy::auth::{generate_token, to_hex, token_hash};
use crate::rules::secret::Secret;

pub fn run(args: &HashTokenArgs) -> i32 {
    match hash_token(args) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::USAGE
        }
    }
}

fn hash_token(args: &HashTokenArgs) -> anyhow::Result<()> {
    if let Some(note) = &args.comment
        && note.contains(['\n', '\r'])
    {
        bail!("`--comment` must be a single line");
    }
    let token = if args.generate {
        let token = generate_token()?;
        let mut err = std::io::stderr().lock();
        if err.is_terminal() {
            writeln!(
                err,
                "# the new token; give it to the IdP now, it is not shown again:"
            )?;
        }
        writeln!(err, "{}", token.expose())?;
        token
    } else {
        read_token()?
    };
    let mut line = to_hex(&token_hash(token.expose().as_bytes()));
    if let Some(note) = &args.comment {
        line.push_str("  # ");
        line.push_str(note);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

/// The token on standard input: one line (on a terminal) or the whole input
/// minus one trailing newline.
fn read_token() -> anyhow::Result<Secret> {
    let stdin = std::io::stdin();
    let mut text = String::new();
    if stdin.is_terminal() {
        eprint!("token (then Enter): ");
        stdin
            .lock()
            .read_line(&mut text)
            .context("reading standard input")?;
    } else {
        stdin
            .lock()
            .read_to_string(&mut text)
            .context("reading standard input")?;
    }
    token_from_input(text)
}

fn token_from_input(mut text: String) -> anyhow::Result<Secret> {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        bail!(
            "no token on standard input; pipe one in (`scimshim hash-token < token.txt`) or use `--generate`"
        );
    }
    if text.contains(|c: char| c.is_whitespace() || c.is_control()) {
        // Never echo it: it is a secret.
        bail!(
            "the token contains spaces, line breaks or control characters; give only the token, \
             without `Bearer ` and with no more than one trailing newline"
        );
    }
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_trimmed() {
        assert_eq!(token_from_input("abc\n".into()).unwrap().expose(), "abc");
        assert_eq!(token_from_input("abc\r\n".into()).unwrap().expose(), "abc");
        assert_eq!(token_from_input("abc".into()).unwrap().expose(), "abc");
    }

    #[test]
    fn empty_or_spaced_input_is_refused_without_echoing_it() {
        assert!(token_from_input(String::new()).is_err());
        assert!(token_from_input("\n".into()).is_err());
        let err = token_from_input("Bearer s3cret-value\n".into())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret-value"), "{err}");
        assert!(token_from_input("abc\n\n".into()).is_err());
    }
}
