//! `export-blocks` and `import-blocks`.
//!
//! The file is `CPCBLKS1` followed by one record per block: a little-endian `u32` length and
//! the SCALE encoding of `(Block, Option<justification>)`.

use crate::{Error, args::SharedArgs, chain_paths, chain_specs, service::open_client};
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

/// Writes blocks `from..=to` of the chain.
pub fn export_blocks(
    shared: &SharedArgs,
    from: u32,
    to: Option<u32>,
    output: Option<PathBuf>,
) -> Result<(), Error> {
    let spec = chain_specs::load(shared)?;
    let paths = chain_paths(shared, &spec.id)?;
    let client = open_client(
        &spec,
        &paths.db(),
        Default::default(),
        "wasm",
        Duration::from_secs(60),
    )?;
    let to = to
        .unwrap_or(client.info().best_number)
        .min(client.info().best_number);
    let mut out: Box<dyn Write> = match output.as_deref() {
        None => Box::new(std::io::stdout().lock()),
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::stdout().lock()),
        Some(path) => Box::new(std::fs::File::create(path)?),
    };
    let mut out = BufWriter::new(&mut out);
    out.write_all(MAGIC)?;
    let mut progress = Progress::new("Exporting", Some(u64::from(to.saturating_sub(from) + 1)));
    for number in from.max(1)..=to {
        let hash = client
            .hash(number)
            .map_err(Error::node)?
            .ok_or_else(|| Error::Node(format!("block #{number} is missing")))?;
        let block = client
            .block(&hash)
            .map_err(Error::node)?
            .ok_or_else(|| Error::Node(format!("block {hash:?} is missing")))?;
        let justification = client.justification(&hash).map_err(Error::node)?;
        let record = (block, justification).encode();
        out.write_all(&(record.len() as u32).to_le_bytes())?;
        out.write_all(&record)?;
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

/// Imports blocks written by `export-blocks`, executing each.
pub fn import_blocks(
    shared: &SharedArgs,
    execution: &str,
    input: Option<PathBuf>,
) -> Result<(), Error> {
    let spec = chain_specs::load(shared)?;
    let paths = chain_paths(shared, &spec.id)?;
    let client = open_client(
        &spec,
        &paths.db(),
        Default::default(),
        execution,
        Duration::from_secs(60),
    )?;
    let (mut reader, total): (Box<dyn Read>, Option<u64>) = match input.as_deref() {
        None => (Box::new(std::io::stdin().lock()), None),
        Some(p) if p.as_os_str() == "-" => (Box::new(std::io::stdin().lock()), None),
        Some(path) => (
            Box::new(BufReader::new(std::fs::File::open(path)?)),
            count_records(path),
        ),
    };
    let mut magic = [0u8; 8];
    reader
        .read_exact(&mut magic)
        .map_err(|_| Error::Input("not a block export (too short)".into()))?;
    if &magic != MAGIC {
        return Err(Error::Input("not a block export (bad magic)".into()));
    }
    let mut progress = Progress::new("Importing", total);
    let (mut imported, mut skipped) = (0u64, 0u64);
    while let Some(record) = read_record(&mut reader)? {
        let (block, justification): Record = Decode::decode(&mut &record[..]).map_err(|e| {
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
    progress.finish();
    client.db().flush().map_err(Error::node)?;
    eprintln!(
        "Imported {imported} blocks ({skipped} already known); best is #{}",
        client.info().best_number
    );
    Ok(())
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
