//! The module's exports, as `js/crypto.js` calls them. The page copies inputs into memory it
//! got from [`cpc_alloc`], calls a function with pointers and lengths, reads the outputs from
//! the buffers it passed, and gives the memory back with [`cpc_free`] (after wiping what held a
//! secret). Fixed-size arguments (a 96-byte pair, 32 bytes of entropy, a 64-byte signature)
//! are read at their pointer without a length. Every function returns 0 or an
//! [`Error::code`](crate::Error::code); nothing panics on bad input, and a panic (a bug) traps.

use crate::Error;

/// The buffer a phrase is written to: 24 words of at most 8 letters and their spaces fit.
pub const PHRASE_CAPACITY: usize = 256;
use alloc::vec::Vec;
use core::slice;

#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// `len` bytes for the page to write an input into or read an output from.
#[unsafe(no_mangle)]
pub extern "C" fn cpc_alloc(len: u32) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len as usize);
    let ptr = buf.as_mut_ptr();
    core::mem::forget(buf);
    ptr
}

/// Gives back memory from [`cpc_alloc`].
///
/// # Safety
/// `ptr` and `len` must be those of one earlier [`cpc_alloc`], freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_free(ptr: *mut u8, len: u32) {
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len as usize) });
}

unsafe fn input<'a>(ptr: *const u8, len: u32) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        unsafe { slice::from_raw_parts(ptr, len as usize) }
    }
}

unsafe fn input_mut<'a>(ptr: *mut u8, len: u32) -> &'a mut [u8] {
    if len == 0 {
        &mut []
    } else {
        unsafe { slice::from_raw_parts_mut(ptr, len as usize) }
    }
}

unsafe fn fixed<const N: usize>(ptr: *const u8) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(unsafe { slice::from_raw_parts(ptr, N) });
    out
}

unsafe fn write(ptr: *mut u8, bytes: &[u8]) {
    unsafe { slice::from_raw_parts_mut(ptr, bytes.len()) }.copy_from_slice(bytes);
}

fn status(result: Result<(), Error>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(e) => e.code(),
    }
}

/// Writes the 96-byte pair of the secret URI at `suri..suri+len` to `out`.
///
/// # Safety
/// The pointers must be valid for the lengths given (96 bytes at `out`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_pair_from_suri(suri: *const u8, len: u32, out: *mut u8) -> u32 {
    status(
        crate::pair_from_suri(unsafe { input(suri, len) }).map(|mut pair| {
            unsafe { write(out, &pair) };
            zeroize::Zeroize::zeroize(&mut pair);
        }),
    )
}

/// Writes the 64-byte signature of `message` by the 96-byte `pair` to `out`, with the 32 bytes
/// at `entropy` as its randomness.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_sign(
    pair: *const u8,
    message: *const u8,
    message_len: u32,
    entropy: *const u8,
    out: *mut u8,
) -> u32 {
    let mut raw: [u8; 96] = unsafe { fixed(pair) };
    let result = crate::sign(&raw, unsafe { input(message, message_len) }, unsafe {
        fixed(entropy)
    });
    zeroize::Zeroize::zeroize(&mut raw);
    status(result.map(|signature| unsafe { write(out, &signature) }))
}

/// 0 when the 64-byte `signature` on `message` is by the 32-byte `public`, else
/// [`Error::Pair`]'s code.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_verify(
    signature: *const u8,
    message: *const u8,
    message_len: u32,
    public: *const u8,
) -> u32 {
    let valid = crate::verify(
        &unsafe { fixed(signature) },
        unsafe { input(message, message_len) },
        &unsafe { fixed(public) },
    );
    if valid { 0 } else { Error::Pair.code() }
}

/// Writes the English phrase of `entropy..entropy+len` to `out` (a buffer of
/// [`PHRASE_CAPACITY`] bytes) and its length to the 4 bytes at `out_len` (little-endian).
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_phrase_from_entropy(
    entropy: *const u8,
    len: u32,
    out: *mut u8,
    out_len: *mut u8,
) -> u32 {
    status(
        crate::phrase_from_entropy(unsafe { input(entropy, len) }).and_then(|phrase| {
            if phrase.len() > PHRASE_CAPACITY {
                return Err(Error::Capacity);
            }
            unsafe {
                write(out, phrase.as_bytes());
                write(out_len, &(phrase.len() as u32).to_le_bytes());
            }
            Ok(())
        }),
    )
}

/// Seals `data..data+len` in place (see [`crate::vault_seal`]) and writes the 16-byte tag to
/// `tag`.
///
/// # Safety
/// The pointers must be valid for the lengths given (16 bytes at `salt`, 12 at `nonce`).
// One flat C signature per operation keeps the JavaScript side a plain call.
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_vault_seal(
    password: *const u8,
    password_len: u32,
    salt: *const u8,
    rounds: u32,
    nonce: *const u8,
    data: *mut u8,
    len: u32,
    tag: *mut u8,
) -> u32 {
    let data = unsafe { input_mut(data, len) };
    status(
        crate::vault_seal(
            unsafe { input(password, password_len) },
            &unsafe { fixed(salt) },
            rounds,
            &unsafe { fixed(nonce) },
            data,
        )
        .map(|t| unsafe { write(tag, &t) }),
    )
}

/// Opens `data..data+len` in place (see [`crate::vault_open`]) with the 16-byte `tag`.
///
/// # Safety
/// The pointers must be valid for the lengths given (16 bytes at `salt` and `tag`, 12 at
/// `nonce`).
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_vault_open(
    password: *const u8,
    password_len: u32,
    salt: *const u8,
    rounds: u32,
    nonce: *const u8,
    data: *mut u8,
    len: u32,
    tag: *const u8,
) -> u32 {
    let data = unsafe { input_mut(data, len) };
    status(crate::vault_open(
        unsafe { input(password, password_len) },
        &unsafe { fixed(salt) },
        rounds,
        &unsafe { fixed(nonce) },
        data,
        &unsafe { fixed(tag) },
    ))
}

// The data market (crate::market). Streams are numbered; a number is written to a 4-byte
// output (little-endian) and passed back as a plain integer.

struct Table(core::cell::UnsafeCell<Option<crate::market::Streams>>);
// The module is single-threaded (wasm32 without threads): nothing shares the table.
unsafe impl Sync for Table {}
static STREAMS: Table = Table(core::cell::UnsafeCell::new(None));

fn streams() -> &'static mut crate::market::Streams {
    // SAFETY: one thread, and no export holds this borrow across a call into another export.
    unsafe { (*STREAMS.0.get()).get_or_insert_with(Default::default) }
}

fn open_stream(stream: Result<crate::market::Stream, Error>, out: *mut u8) -> u32 {
    status(
        stream
            .and_then(|s| streams().open(s))
            .map(|handle| unsafe { write(out, &handle.to_le_bytes()) }),
    )
}

/// Writes the X25519 public key (32 bytes) of the account of the 96-byte `pair` to `out`.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_market_public(pair: *const u8, out: *mut u8) -> u32 {
    let mut raw: [u8; 96] = unsafe { fixed(pair) };
    let result = crate::market::encryption_public(&raw);
    zeroize::Zeroize::zeroize(&mut raw);
    status(result.map(|key| unsafe { write(out, &key) }))
}

/// Opens the sealed key `sealed..sealed+len` with the account of the 96-byte `pair`; writes
/// the 32-byte content key to `out`.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_market_open(
    pair: *const u8,
    sealed: *const u8,
    len: u32,
    out: *mut u8,
) -> u32 {
    let mut raw: [u8; 96] = unsafe { fixed(pair) };
    let result = crate::market::open_sealed(&raw, unsafe { input(sealed, len) });
    zeroize::Zeroize::zeroize(&mut raw);
    status(result.map(|mut key| {
        unsafe { write(out, &key) };
        zeroize::Zeroize::zeroize(&mut key);
    }))
}

/// Seals the 32-byte content `key` to the 32-byte X25519 `recipient` with the 32 random bytes
/// at `ephemeral`; writes the 80-byte sealed key to `out`.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_market_seal(
    key: *const u8,
    recipient: *const u8,
    ephemeral: *const u8,
    out: *mut u8,
) -> u32 {
    let mut key: [u8; 32] = unsafe { fixed(key) };
    let result = crate::market::seal(&key, &unsafe { fixed(recipient) }, unsafe {
        fixed(ephemeral)
    });
    zeroize::Zeroize::zeroize(&mut key);
    status(result.map(|sealed| unsafe { write(out, &sealed) }))
}

/// The buffer a login payload is written to: the tag, two 32-byte values and an audience of
/// at most [`crate::market::MAX_AUDIENCE`] bytes with its length fit.
pub const LOGIN_CAPACITY: usize = 512;

/// Writes the gateway login payload for the 32-byte `genesis`, the audience
/// `audience..audience+len` and the 32-byte `nonce` to `out` ([`LOGIN_CAPACITY`] bytes) and
/// its length to the 4 bytes at `out_len`.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_market_login_payload(
    genesis: *const u8,
    audience: *const u8,
    len: u32,
    nonce: *const u8,
    out: *mut u8,
    out_len: *mut u8,
) -> u32 {
    let payload = crate::market::login_payload(
        &unsafe { fixed(genesis) },
        unsafe { input(audience, len) },
        &unsafe { fixed(nonce) },
    );
    status(payload.and_then(|payload| {
        if payload.len() > LOGIN_CAPACITY {
            return Err(Error::Capacity);
        }
        unsafe {
            write(out, &payload);
            write(out_len, &(payload.len() as u32).to_le_bytes());
        }
        Ok(())
    }))
}

/// Starts encrypting under the 32-byte `key` in chunks of `chunk_size` bytes: the stream's
/// number to the 4 bytes at `out`.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_encrypt_new(key: *const u8, chunk_size: u32, out: *mut u8) -> u32 {
    let mut key: [u8; 32] = unsafe { fixed(key) };
    let stream = crate::market::Stream::encrypt(&key, chunk_size as usize);
    zeroize::Zeroize::zeroize(&mut key);
    open_stream(stream, out)
}

/// Writes encryption stream `handle`'s 9-byte blob header to `out`.
///
/// # Safety
/// The pointer must be valid for 9 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_encrypt_header(handle: u32, out: *mut u8) -> u32 {
    status(
        streams()
            .get(handle)
            .and_then(|s| s.header())
            .map(|header| unsafe { write(out, &header) }),
    )
}

/// Encrypts the chunk `data..data+len` (`last` non-zero for the last) into `out`, which holds
/// `len + 16` bytes.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_encrypt_chunk(
    handle: u32,
    data: *const u8,
    len: u32,
    last: u32,
    out: *mut u8,
) -> u32 {
    status(
        streams()
            .get(handle)
            .and_then(|s| s.seal_chunk(unsafe { input(data, len) }, last != 0))
            .map(|sealed| unsafe { write(out, &sealed) }),
    )
}

/// Starts decrypting a blob with the 32-byte `key`, given its header
/// `header..header+header_len`: the stream's number to the 4 bytes at `out`.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_decrypt_new(
    key: *const u8,
    header: *const u8,
    header_len: u32,
    out: *mut u8,
) -> u32 {
    let mut key: [u8; 32] = unsafe { fixed(key) };
    let stream = crate::market::Stream::decrypt(&key, unsafe { input(header, header_len) });
    zeroize::Zeroize::zeroize(&mut key);
    open_stream(stream, out)
}

/// Writes the full encrypted chunk size of decryption stream `handle` to the 4 bytes at `out`.
///
/// # Safety
/// The pointer must be valid for 4 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_decrypt_chunk_size(handle: u32, out: *mut u8) -> u32 {
    status(
        streams()
            .get(handle)
            .and_then(|s| s.encrypted_chunk_size())
            .map(|size| unsafe { write(out, &(size as u32).to_le_bytes()) }),
    )
}

/// Decrypts the encrypted chunk `data..data+len` (`last` non-zero for the last) into `out`,
/// which holds `len - 16` bytes.
///
/// # Safety
/// The pointers must be valid for the lengths given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_decrypt_chunk(
    handle: u32,
    data: *const u8,
    len: u32,
    last: u32,
    out: *mut u8,
) -> u32 {
    status(
        streams()
            .get(handle)
            .and_then(|s| s.open_chunk(unsafe { input(data, len) }, last != 0))
            .map(|plain| unsafe { write(out, &plain) }),
    )
}

/// Starts a sha2-256: the stream's number to the 4 bytes at `out`.
///
/// # Safety
/// The pointer must be valid for 4 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_sha256_new(out: *mut u8) -> u32 {
    use sha2::Digest;
    open_stream(Ok(crate::market::Stream::Hash(sha2::Sha256::new())), out)
}

/// Feeds `data..data+len` to hash stream `handle`.
///
/// # Safety
/// The pointer must be valid for the length given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_sha256_update(handle: u32, data: *const u8, len: u32) -> u32 {
    status(
        streams()
            .get(handle)
            .and_then(|s| s.update(unsafe { input(data, len) })),
    )
}

/// Ends stream `handle` (of any kind); a hash stream's 32-byte digest is written to `out`
/// (which holds 32 bytes; the others leave it as it was).
///
/// # Safety
/// The pointer must be valid for 32 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cpc_stream_close(handle: u32, out: *mut u8) -> u32 {
    status(streams().close(handle).map(|digest| {
        if let Some(digest) = digest {
            unsafe { write(out, &digest) };
        }
    }))
}
