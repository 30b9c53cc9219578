//! The block-sync protocol: a request names a first block and a count; the response is the
//! encoded finalized blocks with their justifications. Both sides read with hard limits.

use codec::{Decode, Encode};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{StreamProtocol, request_response};
use std::io;

/// Most blocks in one response.
pub const MAX_SYNC_BLOCKS: u32 = 64;
/// Most bytes in one response.
pub const MAX_SYNC_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// A request is two numbers.
const MAX_REQUEST_BYTES: usize = 16;

/// Finalized blocks from `from` on, at most `max`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct SyncRequest {
    /// The first block wanted.
    pub from: u32,
    /// How many at most.
    pub max: u32,
}

/// SCALE over the stream, with limits.
#[derive(Clone, Copy, Default)]
pub struct SyncCodec;

pub(crate) async fn read_limited<T: AsyncRead + Unpin + Send>(
    io: &mut T,
    limit: usize,
) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io.take(limit as u64 + 1).read_to_end(&mut bytes).await?;
    if bytes.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "message over the limit",
        ));
    }
    Ok(bytes)
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

impl request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = SyncRequest;
    type Response = Vec<Vec<u8>>;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<SyncRequest>
    where
        T: AsyncRead + Unpin + Send,
    {
        let bytes = read_limited(io, MAX_REQUEST_BYTES).await?;
        SyncRequest::decode(&mut &bytes[..]).map_err(invalid)
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<Vec<u8>>>
    where
        T: AsyncRead + Unpin + Send,
    {
        let bytes = read_limited(io, MAX_SYNC_RESPONSE_BYTES).await?;
        let blocks: Vec<Vec<u8>> =
            cpc_primitives::limits::decode_bounded(&bytes, MAX_SYNC_RESPONSE_BYTES)
                .map_err(invalid)?;
        if blocks.len() > MAX_SYNC_BLOCKS as usize {
            return Err(invalid("more blocks than asked"));
        }
        Ok(blocks)
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: SyncRequest,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.write_all(&request.encode()).await?;
        io.close().await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Vec<Vec<u8>>,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.write_all(&response.encode()).await?;
        io.close().await
    }
}
