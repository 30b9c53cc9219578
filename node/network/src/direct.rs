//! The direct-message protocol: one consensus message to one peer (a finalized block for a
//! peer still voting on its height), answered by an empty acknowledgement. Unlike gossip, it
//! reaches only the peer that needs it, so a replayed vote cannot make the network carry a
//! block to everyone.

use crate::MAX_GOSSIP_SIZE;
use futures::{AsyncRead, AsyncWrite, AsyncWriteExt};
use libp2p::{StreamProtocol, request_response};
use std::io;

/// The message's bytes over the stream, at most [`MAX_GOSSIP_SIZE`]; an empty answer.
#[derive(Clone, Copy, Default)]
pub struct DirectCodec;

impl request_response::Codec for DirectCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = ();

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        crate::sync::read_limited(io, MAX_GOSSIP_SIZE).await
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<()>
    where
        T: AsyncRead + Unpin + Send,
    {
        crate::sync::read_limited(io, 0).await.map(|_| ())
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: Vec<u8>,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.write_all(&request).await?;
        io.close().await
    }

    async fn write_response<T>(&mut self, _: &StreamProtocol, io: &mut T, _: ()) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.close().await
    }
}
