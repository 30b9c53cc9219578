//! `key generate|inspect|insert|sign|verify|generate-node-key|inspect-node-key`, with
//! subkey's options and output, so keys and signatures move between the two.

use crate::Error;
use clap::Subcommand;
use cpc_crypto::{AccountId32, sr25519::Pair, suri::generate_phrase};
use cpc_keystore::{self as keystore, default_base_path};
use serde_json::json;
use std::path::PathBuf;

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generates a new sr25519 key with its phrase.
    Generate {
        /// Words in the phrase: 12, 15, 18, 21 or 24.
        #[arg(long, short = 'w', default_value_t = 12)]
        words: usize,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        output_type: String,
        /// SS58 prefix of the address.
        #[arg(long, short = 'n', default_value_t = 42)]
        network: u16,
    },
    /// Shows the public key and address of a secret URI or an address.
    Inspect {
        /// A secret URI (`//Alice`, a phrase, `0x` seed) or an SS58 address / public key.
        uri: String,
        /// `text` or `json`.
        #[arg(long, default_value = "text")]
        output_type: String,
        /// SS58 prefix of the address.
        #[arg(long, short = 'n', default_value_t = 42)]
        network: u16,
    },
    /// Generates a network key (ed25519) and prints its peer id.
    GenerateNodeKey {
        /// Where to write the secret (hex); printed on standard output if left out.
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// Prints the peer id of a network key file (written by `generate-node-key`).
    InspectNodeKey {
        /// The node key file (32 bytes, hex or raw).
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
    },
    /// Signs a message with a secret URI, or with a key of a keystore; prints the sr25519
    /// signature as hex.
    Sign {
        /// The secret URI; without it, the key `--public` of the keystore signs.
        #[arg(long)]
        suri: Option<String>,
        /// The message (text, or hex with `--hex`); standard input if left out.
        #[arg(long)]
        message: Option<String>,
        /// The message is hex.
        #[arg(long)]
        hex: bool,
        /// Sign the proof that the key is the session key of this account (SS58), for
        /// `HybridConsensus.register` and `set_session_key`, instead of a message.
        #[arg(long, value_name = "ACCOUNT", conflicts_with_all = ["message", "hex"])]
        session_key_proof: Option<String>,
        /// The public key (hex or SS58) of the keystore key that signs.
        #[arg(long, requires = "keystore")]
        public: Option<String>,
        /// The keystore directory.
        #[arg(long, value_name = "PATH", group = "keystore")]
        keystore_path: Option<PathBuf>,
        /// The node's base path (the keystore is in `<base>/keystore`; a running node's own
        /// keystore, where `author_rotateKeys` writes, is `<base>/chains/<id>/keystore`: give
        /// it with `--keystore-path`).
        #[arg(long, short = 'd', value_name = "PATH", group = "keystore")]
        base_path: Option<PathBuf>,
    },
    /// Verifies an sr25519 signature of a message by a public key or SS58 address.
    Verify {
        /// The signature (hex).
        sig: String,
        /// The signer: public key (hex) or SS58 address.
        uri: String,
        /// The message (text, or hex with `--hex`); standard input if left out.
        #[arg(long)]
        message: Option<String>,
        /// The message is hex.
        #[arg(long)]
        hex: bool,
    },
    /// Stores a secret URI in the keystore, to sign with its address later.
    Insert {
        /// The secret URI.
        #[arg(long)]
        suri: String,
        /// The keystore directory.
        #[arg(long, value_name = "PATH")]
        keystore_path: Option<PathBuf>,
        /// The node's base path (the keystore is in `<base>/keystore`).
        #[arg(long, short = 'd', value_name = "PATH")]
        base_path: Option<PathBuf>,
    },
}

fn show(
    output_type: &str,
    phrase: Option<&str>,
    seed: Option<[u8; 32]>,
    public: [u8; 32],
    network: u16,
) -> Result<(), Error> {
    let account = AccountId32::new(public);
    let address = account.to_ss58(network);
    match output_type {
        "json" => {
            let value = json!({
                "secretPhrase": phrase,
                "secretSeed": seed.map(|s| format!("0x{}", hex::encode(s))),
                "publicKey": format!("0x{}", hex::encode(public)),
                "accountId": format!("0x{}", hex::encode(public)),
                "ss58Address": address,
                "networkId": network,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&value).expect("JSON; qed")
            );
        }
        "text" => {
            if let Some(phrase) = phrase {
                println!("Secret phrase:       {phrase}");
            }
            if let Some(seed) = seed {
                println!("  Secret seed:       0x{}", hex::encode(seed));
            }
            println!("  Public key (hex):  0x{}", hex::encode(public));
            println!("  Account ID:        0x{}", hex::encode(public));
            println!("  SS58 Address:      {address}");
            println!("  Network ID:        {network}");
        }
        other => {
            return Err(Error::Input(format!(
                "unknown output type `{other}` (text or json)"
            )));
        }
    }
    Ok(())
}

/// The message of `sign`/`verify`: the argument or standard input, decoded from hex with
/// `--hex`.
fn message(message: Option<String>, hex: bool) -> Result<Vec<u8>, Error> {
    let text = match message {
        Some(text) => text,
        None => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
            text
        }
    };
    if hex {
        let digits = text.trim();
        hex::decode(digits.strip_prefix("0x").unwrap_or(digits))
            .map_err(|e| Error::Input(format!("the message is not hex: {e}")))
    } else {
        Ok(text.into_bytes())
    }
}

fn keystore_dir(keystore_path: Option<PathBuf>, base_path: Option<PathBuf>) -> PathBuf {
    keystore_path.unwrap_or_else(|| base_path.unwrap_or_else(default_base_path).join("keystore"))
}

/// Runs a key command.
pub fn key(command: KeyCommand) -> Result<(), Error> {
    match command {
        KeyCommand::Generate {
            words,
            output_type,
            network,
        } => {
            let phrase = generate_phrase(words).map_err(|e| Error::Input(e.to_string()))?;
            let (pair, seed) = Pair::from_suri(&phrase).map_err(|e| Error::Input(e.to_string()))?;
            show(&output_type, Some(&phrase), seed, pair.public().0, network)
        }
        KeyCommand::Inspect {
            uri,
            output_type,
            network,
        } => {
            // A public address or key is shown as it is; anything else is a secret URI.
            if let Ok(account) = uri.parse::<AccountId32>() {
                return show(&output_type, None, None, account.0, network);
            }
            let (pair, seed) = Pair::from_suri(&uri).map_err(|e| Error::Input(e.to_string()))?;
            show(&output_type, None, seed, pair.public().0, network)
        }
        KeyCommand::GenerateNodeKey { file } => {
            let (keypair, secret) = cpc_network::generate_node_key();
            let peer = keypair.public().to_peer_id();
            match file {
                Some(path) => {
                    if path.exists() {
                        return Err(Error::Input(format!(
                            "{} exists; not overwriting a node key",
                            path.display()
                        )));
                    }
                    keystore::write_private(&path, hex::encode(secret).as_bytes())?;
                    eprintln!("Peer id: {peer}");
                    println!("{peer}");
                }
                None => {
                    eprintln!("Peer id: {peer}");
                    println!("{}", hex::encode(secret));
                }
            }
            Ok(())
        }
        KeyCommand::InspectNodeKey { file } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| Error::Input(format!("cannot read {}: {e}", file.display())))?;
            let keypair = crate::network::node_key_from_file_bytes(&bytes).map_err(Error::Input)?;
            println!("{}", keypair.public().to_peer_id());
            Ok(())
        }
        KeyCommand::Sign {
            suri,
            message: text,
            hex,
            session_key_proof,
            public,
            keystore_path,
            base_path,
        } => {
            let pair = match (suri, public) {
                (Some(suri), None) => {
                    Pair::from_suri(&suri)
                        .map_err(|e| Error::Input(e.to_string()))?
                        .0
                }
                (None, Some(public)) => {
                    let public = public
                        .parse::<AccountId32>()
                        .map_err(|e| Error::Input(format!("invalid public key: {e}")))?;
                    let dir = keystore_dir(keystore_path, base_path);
                    keystore::get(&dir, &cpc_crypto::sr25519::Public(public.0))
                        .map_err(Error::Input)?
                        .ok_or_else(|| {
                            Error::Input(format!("{} holds no key {public}", dir.display()))
                        })?
                }
                _ => {
                    return Err(Error::Input(
                        "sign with `--suri`, or with `--public` and a keystore".into(),
                    ));
                }
            };
            let payload = match session_key_proof {
                Some(account) => {
                    let account = account
                        .parse::<AccountId32>()
                        .map_err(|e| Error::Input(format!("invalid account: {e}")))?;
                    cpc_consensus_primitives::session_key_proof_payload(&account)
                }
                None => message(text, hex)?,
            };
            println!("0x{}", hex::encode(pair.sign(&payload).0));
            Ok(())
        }
        KeyCommand::Verify {
            sig,
            uri,
            message: text,
            hex,
        } => {
            let signer = uri
                .parse::<AccountId32>()
                .map_err(|e| Error::Input(format!("invalid public key or address: {e}")))?;
            let bytes = hex::decode(sig.trim().trim_start_matches("0x"))
                .map_err(|e| Error::Input(format!("the signature is not hex: {e}")))?;
            let signature = cpc_crypto::sr25519::Signature(
                bytes
                    .try_into()
                    .map_err(|_| Error::Input("an sr25519 signature is 64 bytes".into()))?,
            );
            let payload = message(text, hex)?;
            if cpc_crypto::sr25519::verify(
                &signature,
                &payload,
                &cpc_crypto::sr25519::Public(signer.0),
            ) {
                println!("Signature verifies correctly.");
                Ok(())
            } else {
                Err(Error::Input("Signature invalid.".into()))
            }
        }
        KeyCommand::Insert {
            suri,
            keystore_path,
            base_path,
        } => {
            let dir = keystore_dir(keystore_path, base_path);
            let public = keystore::insert(&dir, &suri).map_err(Error::Input)?;
            println!(
                "Inserted {} into {}",
                AccountId32::new(public.0),
                dir.display()
            );
            Ok(())
        }
    }
}
