//! `export-blocks` and `import-blocks`, in three formats:
//!
//! - ours (the default): `CPCBLKS1`, then one record per block: a little-endian `u32` length
//!   and the SCALE encoding of `(Block, Option<justification>)`;
//! - Substrate's binary (`--binary`): the block count as SCALE `u64`, then each block as SCALE
//!   `SignedBlock { block, justifications: Option<Vec<(engine id, bytes)>> }` (engine `lbft`);
//! - Substrate's JSON (`--json`): each `SignedBlock` as JSON (what `chain_getBlock` returns:
//!   the justifications' engine ids and bytes as arrays of numbers), one per line.
//!
//! `import-blocks` reads ours and JSON by their first bytes, and Substrate's binary with
//! `--binary` (it has no magic to tell it by).

use crate::{Error, args::SharedArgs};
use codec::{Decode, Encode};
use cpc_client::{BlockOrigin, ImportError, ImportParams};
use cpc_primitives::Block;
use std::{
    io::{BufReader, BufWriter, Read, Write},
    path::PathBuf,
    time::{Duration, Instant},
};

const MAGIC: &[u8; 8] = b"CPCBLKS1";
/// The largest record accepted: a full block plus its justification.
const MAX_RECORD: usize = cpc_primitives::limits::MAX_BLOCK_SIZE + 1024 * 1024;

type Record = (Block, Option<Vec<u8>>);

/// The consensus engine id under which a block's LBFT certificate travels in Substrate's
/// `Justifications`.
const LBFT_ENGINE: [u8; 4] = *b"lbft";

/// A block file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockFormat {
    /// `CPCBLKS1` records.
    Ours,
    /// Substrate's SCALE `SignedBlock`s.
    SubstrateBinary,
    /// Substrate's JSON `SignedBlock`s.
    SubstrateJson,
}

/// Substrate's `SignedBlock`, SCALE-encoded: the justifications as `(engine id, bytes)` pairs.
#[derive(Encode, Decode)]
struct SignedBlock {
    block: Block,
    justifications: Option<Vec<([u8; 4], Vec<u8>)>>,
}

impl SignedBlock {
    fn new((block, justification): Record) -> Self {
        Self {
            block,
            justifications: justification.map(|j| vec![(LBFT_ENGINE, j)]),
        }
    }

    fn into_record(self) -> Record {
        let justification = self
            .justifications
            .and_then(|all| all.into_iter().find(|(engine, _)| *engine == LBFT_ENGINE))
            .map(|(_, j)| j);
        (self.block, justification)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "block": self.block, "justifications": self.justifications })
    }

    fn from_json(value: serde_json::Value) -> Result<Self, String> {
        let block: Block =
            serde_json::from_value(value["block"].clone()).map_err(|e| e.to_string())?;
        let justifications = serde_json::from_value(value["justifications"].clone())
            .map_err(|e| format!("bad justifications: {e}"))?;
        Ok(Self {
            block,
            justifications,
        })
    }
}

/// Writes blocks `from..=to` of the chain.
pub fn export_blocks(
    shared: &SharedArgs,
    from: u32,
    to: Option<u32>,
    output: Option<PathBuf>,
    format: BlockFormat,
) -> Result<(), Error> {
    let (client, _) = super::open_local(shared, "wasm")?;
    let to = to
        .unwrap_or(client.info().best_number)
        .min(client.info().best_number);
    let mut out: Box<dyn Write> = match output.as_deref() {
        None => Box::new(std::io::stdout().lock()),
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::stdout().lock()),
        Some(path) => Box::new(std::fs::File::create(path)?),
    };
    let mut out = BufWriter::new(&mut out);
    let from = from.max(1);
    match format {
        BlockFormat::Ours => out.write_all(MAGIC)?,
        BlockFormat::SubstrateBinary => {
            // The count of the blocks that follow: none when `from` is past `to`.
            out.write_all(&u64::from((to + 1).saturating_sub(from)).encode())?
        }
        BlockFormat::SubstrateJson => {}
    }
    let mut progress = Progress::new("Exporting", Some(u64::from(to.saturating_sub(from) + 1)));
    for number in from..=to {
        let hash = client
            .hash(number)
            .map_err(Error::node)?
            .ok_or_else(|| Error::Node(format!("block #{number} is missing")))?;
        let block = client
            .block(&hash)
            .map_err(Error::node)?
            .ok_or_else(|| Error::Node(format!("block {hash:?} is missing")))?;
        let justification = client.justification(&hash).map_err(Error::node)?;
        match format {
            BlockFormat::Ours => {
                let record = (block, justification).encode();
                out.write_all(&(record.len() as u32).to_le_bytes())?;
                out.write_all(&record)?;
            }
            BlockFormat::SubstrateBinary => {
                out.write_all(&SignedBlock::new((block, justification)).encode())?
            }
            BlockFormat::SubstrateJson => {
                serde_json::to_writer(
                    &mut out,
                    &SignedBlock::new((block, justification)).to_json(),
                )
                .map_err(|e| Error::Node(e.to_string()))?;
                out.write_all(b"\n")?;
            }
        }
        progress.step();
    }
    out.flush()?;
    progress.finish();
    Ok(())
}

fn read_record(input: &mut impl Read) -> Result<Option<Vec<u8>>, Error> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_RECORD {
        return Err(Error::Input(format!(
            "a record of {len} bytes is larger than any block"
        )));
    }
    let mut record = vec![0u8; len];
    input
        .read_exact(&mut record)
        .map_err(|e| Error::Input(format!("truncated file: {e}")))?;
    Ok(Some(record))
}

/// Counts the records of a file without decoding them.
fn count_records(path: &std::path::Path) -> Option<u64> {
    let mut file = BufReader::new(std::fs::File::open(path).ok()?);
    let mut magic = [0u8; 8];
    file.read_exact(&mut magic).ok()?;
    let mut count = 0;
    loop {
        let mut len = [0u8; 4];
        if file.read_exact(&mut len).is_err() {
            return Some(count);
        }
        std::io::copy(
            &mut (&mut file).take(u64::from(u32::from_le_bytes(len))),
            &mut std::io::sink(),
        )
        .ok()?;
        count += 1;
    }
}

/// Imports blocks written by `export-blocks` (any format; Substrate's binary with `binary`),
/// executing each.
pub fn import_blocks(
    shared: &SharedArgs,
    execution: &str,
    input: Option<PathBuf>,
    binary: bool,
) -> Result<(), Error> {
    let (client, _) = super::open_local(shared, execution)?;
    let (reader, total): (Box<dyn Read>, Option<u64>) = match input.as_deref() {
        None => (Box::new(std::io::stdin().lock()), None),
        Some(p) if p.as_os_str() == "-" => (Box::new(std::io::stdin().lock()), None),
        Some(path) => (
            Box::new(BufReader::new(std::fs::File::open(path)?)),
            count_records(path),
        ),
    };
    let mut reader = std::io::BufReader::new(reader);
    let head = std::io::BufRead::fill_buf(&mut reader)?.to_vec();
    let format = if binary {
        BlockFormat::SubstrateBinary
    } else if head.starts_with(MAGIC) {
        BlockFormat::Ours
    } else if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        BlockFormat::SubstrateJson
    } else {
        return Err(Error::Input(
            "not a block export: neither ours (CPCBLKS1) nor JSON; Substrate's binary format needs `--binary`".into(),
        ));
    };
    let records = records(reader, format)?;
    let mut progress = Progress::new("Importing", total.filter(|_| format == BlockFormat::Ours));
    let (mut imported, mut skipped) = (0u64, 0u64);
    let result = (|| {
        for record in records {
            let (block, justification) = record.map_err(|e| {
                Error::Input(format!(
                    "block {} does not decode: {e}",
                    imported + skipped + 1
                ))
            })?;
            let number = block.header.number;
            match client.import_block(ImportParams {
                block,
                justification,
                origin: BlockOrigin::File,
                finalized: true,
                precomputed: None,
            }) {
                Ok(block) => {
                    imported += 1;
                    log::debug!(target: "import", "imported #{number} ({}) in {} µs", block.hash, block.micros);
                }
                Err(ImportError::AlreadyImported(..)) => skipped += 1,
                Err(e) => return Err(Error::Node(format!("block #{number} was refused: {e}"))),
            }
            progress.step();
        }
        Ok::<(), Error>(())
    })();
    // Blocks from a file are committed without waiting for the disk: what imported before a
    // refused or undecodable record stays. The first error is the one to report (after a
    // failed write, the sync is refused too).
    let synced = client.sync_imported().map_err(Error::node);
    result?;
    synced?;
    progress.finish();
    client.db().flush().map_err(Error::node)?;
    eprintln!(
        "Imported {imported} blocks ({skipped} already known); best is #{}",
        client.info().best_number
    );
    Ok(())
}

/// The records of a block file of `format`, decoded with the same bounds as ours.
fn records<'a>(
    mut reader: impl Read + 'a,
    format: BlockFormat,
) -> Result<Box<dyn Iterator<Item = Result<Record, String>> + 'a>, Error> {
    match format {
        BlockFormat::Ours => {
            let mut magic = [0u8; 8];
            reader
                .read_exact(&mut magic)
                .map_err(|_| Error::Input("not a block export (too short)".into()))?;
            Ok(Box::new(std::iter::from_fn(move || {
                match read_record(&mut reader) {
                    Ok(Some(record)) => Some(
                        cpc_primitives::limits::decode_bounded::<Record>(&record, MAX_RECORD)
                            .map_err(|e| e.to_string()),
                    ),
                    Ok(None) => None,
                    Err(e) => Some(Err(e.to_string())),
                }
            })))
        }
        BlockFormat::SubstrateBinary => {
            let mut count = [0u8; 8];
            reader
                .read_exact(&mut count)
                .map_err(|_| Error::Input("not a block export (too short)".into()))?;
            let count = u64::from_le_bytes(count);
            let mut input = BoundedInput { reader, read: 0 };
            let mut done = 0u64;
            Ok(Box::new(std::iter::from_fn(move || {
                if done == count {
                    return None;
                }
                done += 1;
                // No lengths frame these records: each may read at most MAX_RECORD bytes.
                input.read = 0;
                Some(
                    <SignedBlock as codec::DecodeLimit>::decode_with_depth_limit(
                        cpc_primitives::limits::MAX_DECODE_DEPTH,
                        &mut input,
                    )
                    .map(SignedBlock::into_record)
                    .map_err(|e| e.to_string()),
                )
            })))
        }
        BlockFormat::SubstrateJson => {
            let stream =
                serde_json::Deserializer::from_reader(reader).into_iter::<serde_json::Value>();
            Ok(Box::new(stream.map(|value| {
                SignedBlock::from_json(value.map_err(|e| e.to_string())?)
                    .map(SignedBlock::into_record)
            })))
        }
    }
}

/// A reader as SCALE input that refuses to read more than [`MAX_RECORD`] bytes since its
/// counter was last reset.
struct BoundedInput<R> {
    reader: R,
    read: usize,
}

impl<R: Read> codec::Input for BoundedInput<R> {
    fn remaining_len(&mut self) -> Result<Option<usize>, codec::Error> {
        Ok(None)
    }

    fn read(&mut self, into: &mut [u8]) -> Result<(), codec::Error> {
        self.read += into.len();
        if self.read > MAX_RECORD {
            return Err("a block larger than any block".into());
        }
        self.reader
            .read_exact(into)
            .map_err(|_| codec::Error::from("truncated file"))
    }
}

/// A progress line on standard error, at most once a second.
struct Progress {
    what: &'static str,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(what: &'static str, total: Option<u64>) -> Self {
        let now = Instant::now();
        Self {
            what,
            total,
            done: 0,
            started: now,
            last: now,
        }
    }

    fn step(&mut self) {
        self.done += 1;
        if self.last.elapsed() >= Duration::from_secs(1) {
            self.last = Instant::now();
            self.print();
        }
    }

    fn print(&self) {
        let secs = self.started.elapsed().as_secs().max(1);
        let rate = self.done / secs;
        match self.total {
            Some(total) if total > 0 => {
                let eta = total
                    .saturating_sub(self.done)
                    .checked_div(rate)
                    .unwrap_or(0);
                eprintln!(
                    "{} blocks: {}/{total} ({}%), {rate} blocks/s, ETA {eta}s",
                    self.what,
                    self.done,
                    self.done * 100 / total
                );
            }
            _ => eprintln!("{} blocks: {}, {rate} blocks/s", self.what, self.done),
        }
    }

    fn finish(&self) {
        self.print();
    }
}
