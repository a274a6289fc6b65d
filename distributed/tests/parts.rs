//! The pieces of the distributed run on their own: the data generator,
//! the splits, the wire format and the thread transport.
//! (Here rather than in unit tests, so that `cargo test` compiles the
//! library once.)

mod elem {
    use dotgrad_distributed::elem::*;

    #[test]
    fn bytes_round_trip_keeps_every_bit() {
        let xs = [0.0f32, -0.0, 1.5, f32::MIN_POSITIVE / 4.0, f32::INFINITY];
        let mut b = Vec::new();
        put(&mut b, &xs);
        assert_eq!(b.len(), 20);
        let back: Vec<f32> = get(&b).unwrap();
        assert!(
            xs.iter()
                .zip(&back)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        assert!(get::<f64>(&b[..12]).is_none());
    }

    #[test]
    fn fnv_sees_the_sign_of_zero() {
        assert_ne!(fnv1a(&[0.0f64]), fnv1a(&[-0.0f64]));
        // The published FNV-1a test vector: the empty input.
        assert_eq!(fnv1a::<f32>(&[]), 0xcbf2_9ce4_8422_2325);
    }
}

mod data {
    use dotgrad_distributed::data::*;

    #[test]
    fn any_range_of_rows_is_the_same_as_in_the_whole() {
        for model in [Model::Linear, Model::Logistic] {
            let p = Problem {
                model,
                rows: 700,
                cols: 5,
                seed: 9,
            };
            let (x, y) = p.rows::<f32>(0, 700);
            let (xs, ys) = p.rows::<f32>(257, 513);
            assert_eq!(xs, x[257 * 5..513 * 5]);
            assert_eq!(ys, y[257..513]);
            assert!(p.rows::<f32>(700, 700).0.is_empty());
        }
    }

    #[test]
    fn labels_are_zero_or_one_and_both_occur() {
        let p = Problem {
            model: Model::Logistic,
            rows: 2000,
            cols: 8,
            seed: 3,
        };
        let (_, y) = p.rows::<f64>(0, 2000);
        let ones = y.iter().filter(|&&v| v == 1.0).count();
        assert!(y.iter().all(|&v| v == 0.0 || v == 1.0));
        assert!((500..1500).contains(&ones), "{ones} ones of 2000");
    }

    #[test]
    fn uniform_is_in_range_and_seeds_differ() {
        assert!((0..1000).all(|i| (0.0..1.0).contains(&uniform(1, 1, i))));
        assert_ne!(uniform(1, 1, 0), uniform(2, 1, 0));
        assert_ne!(uniform(1, 1, 0), uniform(1, 2, 0));
        let (a, b) = dot_vectors::<f64>(5, 10, 20);
        assert_eq!(a.len(), 10);
        assert_ne!(a, b);
    }
}

mod split {
    use dotgrad_distributed::split::*;

    #[test]
    fn every_split_covers_the_input_on_block_boundaries() {
        for split in [Split::Even, Split::Skewed] {
            for total in [0, 1, 255, 256, 257, 600, 100_000] {
                for ranks in 1..=9 {
                    let mut at = 0;
                    for r in 0..ranks {
                        let g = split.range(total, 256, r, ranks);
                        assert_eq!(g.start, at);
                        assert!(g.start % 256 == 0 && (g.end % 256 == 0 || g.end == total));
                        at = g.end;
                    }
                    assert_eq!(at, total, "{split:?} {total} {ranks}");
                }
            }
        }
    }

    #[test]
    fn skewed_shares_grow_and_leave_early_ranks_empty() {
        let s = |total, ranks| -> Vec<usize> {
            (0..ranks)
                .map(|r| Split::Skewed.range(total, 256, r, ranks).len())
                .collect()
        };
        // 391 blocks (the last one of 160 rows) as 1 : 2 : 3.
        assert_eq!(s(100_000, 3), [65 * 256, 130 * 256, 100_000 - 195 * 256]);
        // 3 blocks over 4 ranks: ranks 0 and 1 get nothing.
        assert_eq!(s(600, 4), [0, 0, 256, 344]);
        assert_eq!(Split::Even.range(600, 256, 0, 4), 0..0);
    }
}

mod comm {
    use dotgrad_distributed::comm::*;

    #[test]
    fn gather_is_in_rank_order_and_broadcast_reaches_everyone() {
        let out = Threads::run(5, |c| {
            let mine = vec![c.rank() as u8; c.rank()];
            let got = c.gather(&mine);
            let mut buf = [0u8; 3];
            if let Some(ref all) = got {
                let expect: Vec<Vec<u8>> = (0..5).map(|r| vec![r as u8; r]).collect();
                assert_eq!(*all, expect);
                buf = [7, 8, 9];
            }
            c.broadcast(&mut buf);
            // A second round reuses the mailboxes.
            let again = c.gather(&[c.rank() as u8]);
            (buf, again.map(|v| v.concat()))
        });
        assert!(out.iter().all(|(b, _)| *b == [7, 8, 9]));
        assert_eq!(out[0].1.as_deref(), Some(&[0u8, 1, 2, 3, 4][..]));
        assert!(out[1..].iter().all(|(_, g)| g.is_none()));
    }
}
