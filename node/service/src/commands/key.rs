//! `key generate|inspect|insert`.

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
        KeyCommand::Insert {
            suri,
            keystore_path,
            base_path,
        } => {
            let dir = keystore_path
                .unwrap_or_else(|| base_path.unwrap_or_else(default_base_path).join("keystore"));
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
