//! `rewrite_path`: regex replacement on the URL path (the query is untouched).
//! GEN-01's doubled `/v2/v2` is the motivating case.

use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use super::CompileCx;
use crate::rules::model::RewritePathSpec;
use crate::rules::request::Request;
use crate::rules::trace::Trace;
use crate::rules::yaml::FieldPath;

#[derive(Debug)]
pub struct RewritePath {
    pattern: Regex,
    replace: String,
    all: bool,
}

impl RewritePath {
    pub fn compile(spec: &RewritePathSpec, field: &FieldPath, cx: &mut CompileCx) -> Option<Self> {
        let pattern = cx.regex(field.key("pattern"), &spec.pattern)?;
        Some(RewritePath {
            pattern,
            replace: spec.replace.clone(),
            all: spec.all,
        })
    }

    pub fn apply(&self, rule: &Arc<str>, req: &mut Request, trace: &mut Trace) {
        let new = if self.all {
            self.pattern.replace_all(&req.path, self.replace.as_str())
        } else {
            self.pattern.replace(&req.path, self.replace.as_str())
        };
        if new != req.path {
            let mut new = new.into_owned();
            if !new.starts_with('/') {
                new.insert(0, '/');
            }
            let before = std::mem::replace(&mut req.path, new);
            trace.change(
                rule,
                "rewrite_path",
                "path".into(),
                Value::String(before),
                Value::String(req.path.clone()),
            );
        }
    }
}
