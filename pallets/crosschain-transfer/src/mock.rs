//! Two test runtimes, a main chain ([`main_chain::Test`]) and a sidechain
//! ([`side_chain::Test`]), each with system, balances and the pallet, and a [`World`] holding
//! both chains' states. What each chain holds of the other's finalized state roots is what
//! [`World::finalize_main`] and [`World::finalize_side`] put there, and proofs are made from
//! the other chain's real state at that height, so every proof a test submits is one a relayer
//! could have fetched.

use crate::{ChannelId, Counterpart, MintCap};
use cpc_primitives::{AccountId, Balance, BlockNumber, H256};
use cpc_state_machine::TestExternalities;
use cpc_trie::{MemoryDB, StorageProof};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// Existential deposit on both chains.
pub const ED: Balance = 10;
/// Every test account's endowment on both chains.
pub const ENDOWMENT: Balance = 1_000_000;
/// The channel of the test sidechain (its id on the main chain).
pub const CHANNEL: ChannelId = 0;
/// Most messages in flight per channel.
pub const MAX_IN_FLIGHT: u32 = 8;
/// Furthest a timeout may lie past the counterpart's known height.
pub const MAX_TIMEOUT_SPAN: BlockNumber = 100;
/// The mint cap both chains start with.
pub const CAP: MintCap = MintCap {
    limit: 100_000,
    window: 10,
};

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// What one chain holds of the other: finalized state roots by channel and height, and which
/// channels' counterparts are active.
#[derive(Default)]
pub struct View {
    roots: BTreeMap<(ChannelId, BlockNumber), H256>,
    inactive: BTreeSet<ChannelId>,
    known: BTreeSet<ChannelId>,
    exit: BTreeMap<ChannelId, BlockNumber>,
}

thread_local! {
    /// The main chain's view of its sidechains (the registry's anchored roots).
    pub static MAIN_VIEW: RefCell<View> = RefCell::new(View::default());
    /// The sidechain's view of the main chain (the tracker's headers).
    pub static SIDE_VIEW: RefCell<View> = RefCell::new(View::default());
}

fn view_root(view: &RefCell<View>, channel: ChannelId, height: BlockNumber) -> Option<H256> {
    view.borrow().roots.get(&(channel, height)).copied()
}

fn view_height(view: &RefCell<View>, channel: ChannelId) -> Option<BlockNumber> {
    view.borrow()
        .roots
        .keys()
        .filter(|(c, _)| *c == channel)
        .map(|(_, h)| *h)
        .max()
}

fn view_active(view: &RefCell<View>, channel: ChannelId) -> bool {
    let view = view.borrow();
    view.known.contains(&channel) && !view.inactive.contains(&channel)
}

/// Marks the counterpart of `channel` frozen (inactive) or active in the main chain's view.
pub fn set_main_view_active(channel: ChannelId, active: bool) {
    MAIN_VIEW.with(|v| {
        let mut v = v.borrow_mut();
        v.known.insert(channel);
        if active {
            v.inactive.remove(&channel);
        } else {
            v.inactive.insert(channel);
        }
    });
}

/// Sets the exit height of a frozen sidechain in the main chain's view.
pub fn set_exit_height(channel: ChannelId, height: Option<BlockNumber>) {
    MAIN_VIEW.with(|v| {
        let mut v = v.borrow_mut();
        match height {
            Some(h) => v.exit.insert(channel, h),
            None => v.exit.remove(&channel),
        };
    });
}

/// Marks the main chain halted (inactive) or followed in the sidechain's view.
pub fn set_side_view_active(active: bool) {
    SIDE_VIEW.with(|v| {
        let mut v = v.borrow_mut();
        v.known.insert(CHANNEL);
        if active {
            v.inactive.remove(&CHANNEL);
        } else {
            v.inactive.insert(CHANNEL);
        }
    });
}

/// The main chain's sidechains as its registry holds them.
pub struct MainView;

impl Counterpart for MainView {
    fn state_root(channel: ChannelId, height: BlockNumber) -> Option<H256> {
        MAIN_VIEW.with(|v| view_root(v, channel, height))
    }
    fn finalized_height(channel: ChannelId) -> Option<BlockNumber> {
        MAIN_VIEW.with(|v| view_height(v, channel))
    }
    fn is_active(channel: ChannelId) -> bool {
        MAIN_VIEW.with(|v| view_active(v, channel))
    }
    fn exit_height(channel: ChannelId) -> Option<BlockNumber> {
        MAIN_VIEW.with(|v| v.borrow().exit.get(&channel).copied())
    }
}

/// The main chain as the sidechain's tracker holds it (one channel: the sidechain's own).
pub struct SideView;

impl Counterpart for SideView {
    fn state_root(channel: ChannelId, height: BlockNumber) -> Option<H256> {
        SIDE_VIEW.with(|v| view_root(v, channel, height))
    }
    fn finalized_height(channel: ChannelId) -> Option<BlockNumber> {
        SIDE_VIEW.with(|v| view_height(v, channel))
    }
    fn is_active(channel: ChannelId) -> bool {
        SIDE_VIEW.with(|v| view_active(v, channel))
    }
}

macro_rules! test_chain {
    ($module:ident, $is_main:expr, $view:ty) => {
        /// A test runtime.
        pub mod $module {
            use crate as xchain;
            use cpc_primitives::Balance;

            cpc_support::compose_runtime! {
                pub struct Test;
                pallets {
                    System: cpc_pallet_system = 0,
                    Balances: cpc_pallet_balances = 2,
                    CrosschainTransfer: xchain = 10,
                }
            }

            cpc_pallet_system::test_config!(Test, cpc_pallet_balances::Pallet<Test>);

            impl cpc_pallet_balances::Config for Test {
                const EXISTENTIAL_DEPOSIT: Balance = super::ED;
                const TRANSACTION_BASE_FEE: Balance = 0;
                const TRANSACTION_BYTE_FEE: Balance = 0;
                const WEIGHT_FEE_NUMERATOR: Balance = 0;
                const WEIGHT_FEE_DENOMINATOR: Balance = 1;
                type OnFee = ();
                type WeightInfo = ();
            }

            impl xchain::Config for Test {
                type Currency = cpc_pallet_balances::Pallet<Test>;
                type Counterpart = $view;
                type WeightInfo = xchain::weights::CpcWeight;
                const IS_MAIN: bool = $is_main;
                const MAX_IN_FLIGHT: u32 = super::MAX_IN_FLIGHT;
                const MAX_TIMEOUT_SPAN: u32 = super::MAX_TIMEOUT_SPAN;
            }

            /// The pallet.
            pub type Xchain = xchain::Pallet<Test>;
            /// Balances.
            pub type Balances = cpc_pallet_balances::Pallet<Test>;
            /// System.
            pub type System = cpc_pallet_system::Pallet<Test>;

            /// The pallet's events of the current block, in order.
            #[allow(dead_code)]
            pub fn events() -> Vec<xchain::Event> {
                System::events()
                    .into_iter()
                    .filter_map(|r| match r.event {
                        RuntimeEvent::CrosschainTransfer(e) => Some(e),
                        _ => None,
                    })
                    .collect()
            }
        }
    };
}

test_chain!(main_chain, true, super::MainView);
test_chain!(side_chain, false, super::SideView);

/// Both chains' states, and the snapshots of their finalized blocks that proofs are made from.
pub struct World {
    /// The main chain's state.
    pub main: TestExternalities,
    /// The sidechain's state.
    pub side: TestExternalities,
    main_finalized: BTreeMap<BlockNumber, BTreeMap<Vec<u8>, Vec<u8>>>,
    side_finalized: BTreeMap<BlockNumber, BTreeMap<Vec<u8>, Vec<u8>>>,
}

fn endowed() -> Vec<(AccountId, Balance)> {
    (1..=20).map(|n| (account(n), ENDOWMENT)).collect()
}

impl World {
    /// Accounts 1..=20 endowed on both chains; the channel opened on both (by root on main, in
    /// the sidechain's genesis); both chains at block 1, each holding the other's genesis root
    /// as finalized height 0.
    pub fn new() -> Self {
        MAIN_VIEW.with(|v| *v.borrow_mut() = View::default());
        SIDE_VIEW.with(|v| *v.borrow_mut() = View::default());
        set_main_view_active(CHANNEL, true);
        set_side_view_active(true);

        let mut main = TestExternalities::default();
        main.execute_with(|| {
            main_chain::RuntimeGenesisConfig {
                balances: cpc_pallet_balances::GenesisConfig {
                    balances: endowed(),
                },
                ..Default::default()
            }
            .build()
            .expect("valid main genesis")
        });
        let mut side = TestExternalities::default();
        side.execute_with(|| {
            side_chain::RuntimeGenesisConfig {
                balances: cpc_pallet_balances::GenesisConfig {
                    balances: endowed(),
                },
                crosschain_transfer: crate::GenesisConfig {
                    sidechain_id: Some(CHANNEL),
                    mint_cap: Some(CAP.limit),
                    mint_window: Some(CAP.window),
                },
                ..Default::default()
            }
            .build()
            .expect("valid side genesis")
        });
        let mut world = Self {
            main,
            side,
            main_finalized: BTreeMap::new(),
            side_finalized: BTreeMap::new(),
        };
        world.record_main(0);
        world.record_side(0);
        world.main.execute_with(|| {
            main_chain::System::initialize(1, H256([1; 32]), &Default::default());
            cpc_support::assert_ok!(main_chain::Xchain::dispatch_call(
                crate::Call::open_channel {
                    channel: CHANNEL,
                    cap: CAP
                },
                cpc_support::RawOrigin::Root
            ));
        });
        world.side.execute_with(|| {
            side_chain::System::initialize(1, H256([1; 32]), &Default::default());
        });
        world
    }

    fn record_main(&mut self, height: BlockNumber) {
        self.main.commit_all();
        let root = self.main.storage_root();
        self.main_finalized.insert(height, self.main.storage());
        SIDE_VIEW.with(|v| v.borrow_mut().roots.insert((CHANNEL, height), root));
    }

    fn record_side(&mut self, height: BlockNumber) {
        self.side.commit_all();
        let root = self.side.storage_root();
        self.side_finalized.insert(height, self.side.storage());
        MAIN_VIEW.with(|v| v.borrow_mut().roots.insert((CHANNEL, height), root));
    }

    /// Ends the main chain's current block: its state root becomes one the sidechain holds
    /// (as its tracker would after a relayer tracked it); the next block starts. Returns the
    /// finalized height.
    pub fn finalize_main(&mut self) -> BlockNumber {
        let n = self.main.execute_with(main_chain::System::block_number);
        self.record_main(n);
        self.main.execute_with(|| {
            main_chain::System::initialize(n + 1, H256([(n + 1) as u8; 32]), &Default::default())
        });
        n
    }

    /// Ends the sidechain's current block: its state root becomes one the main chain holds
    /// (as if anchored); the next block starts. Returns the finalized height.
    pub fn finalize_side(&mut self) -> BlockNumber {
        let n = self.side.execute_with(side_chain::System::block_number);
        self.record_side(n);
        self.side.execute_with(|| {
            side_chain::System::initialize(n + 1, H256([(n + 1) as u8; 32]), &Default::default())
        });
        n
    }

    /// Starts blocks on the sidechain without the main chain learning of them.
    pub fn advance_side_unseen(&mut self, blocks: u32) {
        for _ in 0..blocks {
            self.side.commit_all();
            self.side.execute_with(|| {
                let n = side_chain::System::block_number() + 1;
                side_chain::System::initialize(n, H256([n as u8; 32]), &Default::default())
            });
        }
    }

    /// Starts blocks on the main chain without the sidechain learning of them.
    pub fn advance_main_unseen(&mut self, blocks: u32) {
        for _ in 0..blocks {
            self.main.commit_all();
            self.main.execute_with(|| {
                let n = main_chain::System::block_number() + 1;
                main_chain::System::initialize(n, H256([n as u8; 32]), &Default::default())
            });
        }
    }

    /// A read proof of `key` in the main chain's finalized state at `height`.
    pub fn main_proof(&self, height: BlockNumber, key: &[u8]) -> StorageProof {
        prove(&self.main_finalized[&height], key)
    }

    /// A read proof of `key` in the sidechain's finalized state at `height`.
    pub fn side_proof(&self, height: BlockNumber, key: &[u8]) -> StorageProof {
        prove(&self.side_finalized[&height], key)
    }
}

/// A read proof of `key` in `state`, made the way the node makes them.
pub fn prove(state: &BTreeMap<Vec<u8>, Vec<u8>>, key: &[u8]) -> StorageProof {
    let mut db = MemoryDB::default();
    let root = cpc_trie::build_trie(&mut db, state.clone());
    cpc_trie::generate_read_proof(&db, &root, [key]).expect("the state's own trie")
}
