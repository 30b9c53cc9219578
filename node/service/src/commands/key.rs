//! `key generate|inspect|insert`.

use crate::{Error, cli::KeyCommand, default_base_path, keystore};
use cpc_crypto::{AccountId32, sr25519::Pair, suri::generate_phrase};
use serde_json::json;

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
                    crate::keystore::write_private(&path, hex::encode(secret).as_bytes())?;
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
