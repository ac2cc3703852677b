//! Task Scheduler task definitions (`Windows\System32\Tasks\<path>`): the Task Scheduler 2.0 XML
//! schema (`http://schemas.microsoft.com/windows/2004/02/mit/task`), stored UTF-16LE with a BOM
//! by Windows, UTF-8 by some tools. Read: `RegistrationInfo/URI`, `Settings/Enabled` (the schema
//! default is `true` when absent), each trigger's `Enabled`, and the actions (`Exec` with
//! `Command` / `Arguments`, `ComHandler` with `ClassId`).
//!
//! Parsed with `roxmltree` (no DTDs, a node budget of [`MAX_XML_NODES`]) after decoding the
//! bytes with [`crate::text::decode`]; the input is capped at [`MAX_TASK_BYTES`].

use crate::error::{ArtifactError, Result};
use crate::text;

/// Largest task file accepted (real ones are 2–10 KiB).
pub const MAX_TASK_BYTES: usize = 256 * 1024;
/// Most XML nodes parsed from one task.
pub const MAX_XML_NODES: u32 = 20_000;
/// Most actions kept (the schema allows 32).
pub const MAX_ACTIONS: usize = 32;
/// Longest text kept from one element (command lines, URIs).
pub const MAX_FIELD_CHARS: usize = 4096;

/// One action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskAction {
    /// `<Exec>`: a program.
    Exec {
        /// `Command`.
        command: String,
        /// `Arguments`.
        arguments: Option<String>,
    },
    /// `<ComHandler>`: a COM class (e.g. chkdsk's ProactiveScan).
    ComHandler {
        /// `ClassId`.
        class_id: String,
    },
    /// Another action element (`SendEmail`, `ShowMessage`: deprecated).
    Other(String),
}

/// A decoded task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefinition {
    /// `RegistrationInfo/URI`, e.g. `\Microsoft\Windows\Defrag\ScheduledDefrag`.
    pub uri: Option<String>,
    /// `Settings/Enabled` (true when absent, as the schema says).
    pub enabled: bool,
    /// How many triggers there are, and how many of them are enabled.
    pub triggers: usize,
    /// Triggers whose `Enabled` is not `false`.
    pub enabled_triggers: usize,
    /// The actions, in order.
    pub actions: Vec<TaskAction>,
}

fn field(node: roxmltree::Node<'_, '_>) -> String {
    node.text()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_FIELD_CHARS)
        .collect()
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn boolean(node: Option<roxmltree::Node<'_, '_>>) -> Option<bool> {
    let t = field(node?);
    match t.as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Parses a task file's bytes.
pub fn parse_task(bytes: &[u8]) -> Result<TaskDefinition> {
    if bytes.len() > MAX_TASK_BYTES {
        return Err(ArtifactError::TooLarge {
            structure: "task XML",
            offset: 0,
            what: "size",
            actual: bytes.len() as u64,
            limit: MAX_TASK_BYTES as u64,
        });
    }
    let (xml, _) = text::decode(bytes);
    // A UTF-16 file declares encoding="UTF-16"; the text is already decoded, and roxmltree
    // ignores the declaration's encoding.
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
    };
    let doc = roxmltree::Document::parse_with_options(&xml, opts).map_err(|e| {
        let pos = e.pos();
        ArtifactError::invalid(
            "task XML",
            0,
            format!("line {} column {}: {e}", pos.row, pos.col),
        )
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "Task" {
        return Err(ArtifactError::invalid(
            "task XML",
            0,
            format!("root element <{}> is not <Task>", root.tag_name().name()),
        ));
    }
    let uri = child(root, "RegistrationInfo")
        .and_then(|r| child(r, "URI"))
        .map(field);
    let enabled =
        boolean(child(root, "Settings").and_then(|s| child(s, "Enabled"))).unwrap_or(true);
    let (mut triggers, mut enabled_triggers) = (0, 0);
    if let Some(t) = child(root, "Triggers") {
        for trig in t.children().filter(roxmltree::Node::is_element) {
            triggers += 1;
            if boolean(child(trig, "Enabled")) != Some(false) {
                enabled_triggers += 1;
            }
        }
    }
    let mut actions = Vec::new();
    if let Some(a) = child(root, "Actions") {
        for act in a.children().filter(roxmltree::Node::is_element) {
            if actions.len() == MAX_ACTIONS {
                return Err(ArtifactError::TooLarge {
                    structure: "task XML Actions",
                    offset: 0,
                    what: "action count",
                    actual: actions.len() as u64 + 1,
                    limit: MAX_ACTIONS as u64,
                });
            }
            actions.push(match act.tag_name().name() {
                "Exec" => TaskAction::Exec {
                    command: child(act, "Command").map(field).unwrap_or_default(),
                    arguments: child(act, "Arguments").map(field),
                },
                "ComHandler" => TaskAction::ComHandler {
                    class_id: child(act, "ClassId").map(field).unwrap_or_default(),
                },
                other => TaskAction::Other(other.chars().take(MAX_FIELD_CHARS).collect()),
            });
        }
    }
    Ok(TaskDefinition {
        uri,
        enabled,
        triggers,
        enabled_triggers,
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped like Windows 10's `Tasks\Microsoft\Windows\Defrag\ScheduledDefrag` (Task Scheduler
    /// 2.0 schema; written by hand for this test).
    const DEFRAG: &str = r#"<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.6" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Source>$(@%systemroot%\system32\dfrgui.exe,-117)</Source>
    <Author>$(@%systemroot%\system32\dfrgui.exe,-118)</Author>
    <Description>$(@%systemroot%\system32\dfrgui.exe,-119)</Description>
    <URI>\Microsoft\Windows\Defrag\ScheduledDefrag</URI>
  </RegistrationInfo>
  <Principals>
    <Principal id="LocalSystem"><UserId>S-1-5-18</UserId></Principal>
  </Principals>
  <Settings>
    <DisallowStartIfOnBatteries>true</DisallowStartIfOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <MaintenanceSettings><Period>P7D</Period><Deadline>P1M</Deadline><Exclusive>true</Exclusive></MaintenanceSettings>
    <Enabled>ENABLED</Enabled>
    <Priority>7</Priority>
  </Settings>
  <Triggers />
  <Actions Context="LocalSystem">
    <Exec>
      <Command>%windir%\system32\defrag.exe</Command>
      <Arguments>-c -h -o -$</Arguments>
    </Exec>
  </Actions>
</Task>"#;

    fn utf16(s: &str) -> Vec<u8> {
        let mut v = vec![0xff, 0xfe];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    #[test]
    fn defrag_task_enabled_and_disabled() {
        let on = DEFRAG.replace("ENABLED", "true");
        let t = parse_task(&utf16(&on)).unwrap();
        assert_eq!(
            t.uri.as_deref(),
            Some(r"\Microsoft\Windows\Defrag\ScheduledDefrag")
        );
        assert!(t.enabled);
        assert_eq!(
            t.actions,
            [TaskAction::Exec {
                command: r"%windir%\system32\defrag.exe".into(),
                arguments: Some("-c -h -o -$".into())
            }]
        );
        let off = DEFRAG.replace("ENABLED", "false");
        assert!(!parse_task(off.as_bytes()).unwrap().enabled);
        // Absent <Enabled>: the schema default, enabled.
        let absent = DEFRAG.replace("<Enabled>ENABLED</Enabled>", "");
        assert!(parse_task(absent.as_bytes()).unwrap().enabled);
    }

    #[test]
    fn com_handler_and_triggers() {
        let xml = r#"<?xml version="1.0" encoding="UTF-16"?>
<Task xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><URI>\Microsoft\Windows\Chkdsk\ProactiveScan</URI></RegistrationInfo>
  <Triggers><BootTrigger><Enabled>false</Enabled></BootTrigger><IdleTrigger /></Triggers>
  <Actions Context="LocalSystem"><ComHandler><ClassId>{CF4270F5-2E43-4468-83B3-A8C45BB33EA1}</ClassId></ComHandler></Actions>
</Task>"#;
        let t = parse_task(&utf16(xml)).unwrap();
        assert_eq!((t.triggers, t.enabled_triggers), (2, 1));
        assert_eq!(
            t.actions,
            [TaskAction::ComHandler {
                class_id: "{CF4270F5-2E43-4468-83B3-A8C45BB33EA1}".into()
            }]
        );
    }

    #[test]
    fn hostile_task_xml_is_an_error() {
        assert!(matches!(
            parse_task(b"<NotTask/>"),
            Err(ArtifactError::Invalid { .. })
        ));
        assert!(parse_task(b"<Task><Actions>").is_err());
        assert!(parse_task(b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><Task>&a;</Task>").is_err());
        assert!(matches!(
            parse_task(&vec![b' '; MAX_TASK_BYTES + 1]),
            Err(ArtifactError::TooLarge { .. })
        ));
        let many = format!(
            "<Task><Actions>{}</Actions></Task>",
            "<Exec><Command>x</Command></Exec>".repeat(MAX_ACTIONS + 1)
        );
        assert!(matches!(
            parse_task(many.as_bytes()),
            Err(ArtifactError::TooLarge {
                what: "action count",
                ..
            })
        ));
        let deep = format!("<Task>{}</Task>", "<a/>".repeat(MAX_XML_NODES as usize));
        assert!(parse_task(deep.as_bytes()).is_err());
    }
}
