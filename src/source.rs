//! Where an image comes from: a path, or an `http(s)://` URL read in place by range requests
//! (`vhdlint-remote`). Every command opens its image argument through [`Source`].
//!
//! A URL is never printed with its query (a SAS token): [`Source::shown`] is what every message
//! and output field uses. A network failure met while reading is kept by the [`Remote`] and
//! reported as a tool error ([`SourceError::Remote`], exit 2), never as a verdict about the image.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vhdlint_container::{Container, ContainerError, Counted, NoParents, OpenOptions, ReadAt};
pub use vhdlint_remote::Options as RemoteOptions;
use vhdlint_remote::{HttpSource, RemoteError, RemoteStats};
use vhdlint_report::check::RemoteStatsJson;

/// An image argument: a file (or block device), or an object on an HTTP(S) server.
#[derive(Debug, Clone)]
pub enum Source {
    /// A path on this machine.
    Path(PathBuf),
    /// An `http://` or `https://` URL (query included: never printed), and how to read it.
    Url {
        /// The full URL.
        url: String,
        /// Timeouts, retries, cache.
        options: RemoteOptions,
    },
}

impl Source {
    /// A command-line argument: a URL when it starts `http://` or `https://`, else a path.
    pub fn from_arg(arg: impl Into<PathBuf>, options: &RemoteOptions) -> Source {
        let arg = arg.into();
        match arg.to_str() {
            Some(s) if vhdlint_remote::is_url(s) => Source::Url {
                url: s.to_string(),
                options: options.clone(),
            },
            _ => Source::Path(arg),
        }
    }

    /// True for a URL.
    pub fn is_remote(&self) -> bool {
        matches!(self, Source::Url { .. })
    }

    /// The path, for a local source.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Path(p) => Some(p),
            Source::Url { .. } => None,
        }
    }

    /// The source as it may be printed: a URL without user info, query or fragment; a path as
    /// it is.
    pub fn shown(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Url { url, .. } => vhdlint_remote::display_url(url),
        }
    }

    /// The image's name for Graph's `displayName`: the file stem (a URL's last segment).
    pub fn stem(&self) -> String {
        match self {
            Source::Path(p) => p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            Source::Url { url, .. } => vhdlint_remote::url_stem(url),
        }
    }

    /// Opens the object's bytes: a read-only file, or a URL (one round trip: its head and tail,
    /// size and ETag).
    pub fn open_bytes(&self) -> Result<Opened<Arc<dyn ReadAt>>, SourceError> {
        match self {
            Source::Path(p) => {
                let file = vhdlint_container::FileSource::open(p)
                    .map_err(|e| SourceError::Container(ContainerError::open(p, &e)))?;
                Ok(Opened {
                    value: Arc::new(file),
                    remote: None,
                })
            }
            Source::Url { url, options } => {
                let remote = Remote::open(url, options)?;
                Ok(Opened {
                    value: remote.reader(),
                    remote: Some(remote),
                })
            }
        }
    }

    /// Opens the container. `Err` when the OS will not open the file or the server cannot be
    /// reached; `Ok(Err)` when the bytes are not a readable container (a failed image). A
    /// URL's differencing disk has no parent to open.
    pub fn open_container(
        &self,
        options: OpenOptions,
    ) -> Result<Opened<Result<Container, ContainerError>>, SourceError> {
        match self {
            Source::Path(p) => match vhdlint_container::open_with(p, options) {
                Err(e) if e.is_os_error() => Err(SourceError::Container(e)),
                opened => Ok(Opened {
                    value: opened,
                    remote: None,
                }),
            },
            Source::Url { url, options } => {
                let remote = Remote::open(url, options)?;
                let opened = vhdlint_container::open_source(remote.reader(), &mut NoParents)
                    .map_err(|e| e.with_image(Path::new(&remote.shown().to_string())));
                if let Some(e) = remote.failure() {
                    return Err(SourceError::Remote(e));
                }
                Ok(Opened {
                    value: opened,
                    remote: Some(remote),
                })
            }
        }
    }
}

impl From<&Path> for Source {
    fn from(p: &Path) -> Self {
        Source::from_arg(p, &RemoteOptions::default())
    }
}

impl From<&PathBuf> for Source {
    fn from(p: &PathBuf) -> Self {
        Source::from_arg(p, &RemoteOptions::default())
    }
}

impl From<PathBuf> for Source {
    fn from(p: PathBuf) -> Self {
        Source::from_arg(p, &RemoteOptions::default())
    }
}

impl From<&Source> for Source {
    fn from(s: &Source) -> Self {
        s.clone()
    }
}

/// Something opened from a [`Source`], and the HTTP session it reads through (for a URL).
pub struct Opened<T> {
    /// What was opened.
    pub value: T,
    /// For a URL: its session (statistics, the first network failure).
    pub remote: Option<Remote>,
}

/// Why a source could not be read at all: a tool error (exit 2), never a verdict.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The OS will not open or read the file.
    #[error(transparent)]
    Container(#[from] ContainerError),
    /// The server could not be reached or answered wrongly; the message holds the URL
    /// without its query.
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

impl SourceError {
    /// Why, without the source's name (for an entry that names it already).
    pub fn reason(&self) -> String {
        match self {
            SourceError::Container(e) => e.to_string(),
            SourceError::Remote(e) => e.message.clone(),
        }
    }

    /// True when the operating system refused the file (always, for a network failure: the
    /// image was not judged).
    pub fn is_os_error(&self) -> bool {
        match self {
            SourceError::Container(e) => e.is_os_error(),
            SourceError::Remote(_) => true,
        }
    }
}

/// An image read over HTTP(S), its reads counted.
#[derive(Clone)]
pub struct Remote {
    counted: Arc<Counted<Arc<HttpSource>>>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("url", &self.shown())
            .finish_non_exhaustive()
    }
}

impl Remote {
    /// Opens `url` (one round trip).
    pub fn open(url: &str, options: &RemoteOptions) -> Result<Remote, RemoteError> {
        let source = HttpSource::open(url, options.clone())?;
        Ok(Remote {
            counted: Arc::new(Counted::new(source)),
        })
    }

    /// The source every layer reads through.
    pub fn reader(&self) -> Arc<dyn ReadAt> {
        self.counted.clone()
    }

    /// `read_at` calls and bytes asked of it.
    pub fn reads(&self) -> vhdlint_container::ReadStats {
        self.counted.stats()
    }

    /// Requests, bytes and round trips on the wire.
    pub fn wire(&self) -> RemoteStatsJson {
        let RemoteStats {
            requests,
            bytes,
            round_trips,
            retries,
        } = self.counted.inner().stats();
        RemoteStatsJson {
            requests,
            bytes,
            round_trips,
            retries,
        }
    }

    /// The first network failure, if reading met one.
    pub fn failure(&self) -> Option<RemoteError> {
        self.counted.inner().failure()
    }

    /// The URL without its query.
    pub fn shown(&self) -> &str {
        self.counted.inner().display()
    }
}
