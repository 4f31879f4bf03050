package benchmarks

import (
	"context"
	"fmt"
	"testing"

	"github.com/mongotxgen/mongotxgen/internal/benchmarks/bank"
)

// The repository against the hand-written driver code, operation by
// operation, on one server: see compare for the sub-benchmarks.
//
//	go test ./internal/benchmarks -run '^$' -bench 'Insert|Get|Find|Replace|UpdateByID|Count' -benchmem -count 8

func BenchmarkInsert(b *testing.B) {
	client := connect(b, server(b), nil)
	ctx := context.Background()
	compare(b, func(b *testing.B) pair {
		// A database for each side, fresh for each run: both insert into
		// collections of the same size.
		repo := bank.NewAccountRepo(freshDB(b, client))
		d := newDriverAccounts(freshDB(b, client))
		return pair{
			gen: func(i int) error { return repo.Insert(ctx, newAccount(i)) },
			drv: func(i int) error { return d.insert(ctx, newAccount(i)) },
		}
	})
}

func BenchmarkGet(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	ids := seed(b, db)
	ctx := context.Background()
	repo, d := bank.NewAccountRepo(db), newDriverAccounts(db)
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(i int) error { _, err := repo.Get(ctx, ids[i%len(ids)]); return err },
			drv: func(i int) error { _, err := d.get(ctx, ids[i%len(ids)]); return err },
		}
	})
}

// BenchmarkReplace writes back accounts read before, each side its own
// half of them, so that both check and bump versions of their own.
func BenchmarkReplace(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	ids := seed(b, db)
	ctx := context.Background()
	repo, d := bank.NewAccountRepo(db), newDriverAccounts(db)
	var gen, drv []*bank.Account
	for i, id := range ids {
		a, err := d.get(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			gen = append(gen, a)
		} else {
			drv = append(drv, a)
		}
	}
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(i int) error { return repo.Replace(ctx, gen[i%len(gen)]) },
			drv: func(i int) error { return d.replace(ctx, drv[i%len(drv)]) },
		}
	})
}

// BenchmarkFind reads the 100 accounts of a branch, in one batch.
func BenchmarkFind(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	seed(b, db)
	ctx := context.Background()
	repo, d := bank.NewAccountRepo(db), newDriverAccounts(db)
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(i int) error {
				as, err := repo.Find(ctx, bank.AccountFields.Branch.Eq(branchName(i)))
				return wantLen(len(as), err)
			},
			drv: func(i int) error {
				as, err := d.find(ctx, branchName(i))
				return wantLen(len(as), err)
			},
		}
	})
}

func BenchmarkUpdateByID(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	ids := seed(b, db)
	ctx := context.Background()
	repo, d := bank.NewAccountRepo(db), newDriverAccounts(db)
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(i int) error { return repo.UpdateByID(ctx, ids[i%len(ids)], bank.AccountFields.Balance.Inc(1)) },
			drv: func(i int) error { return d.addBalance(ctx, ids[i%len(ids)], 1) },
		}
	})
}

// BenchmarkCount counts the 100 accounts of a branch.
func BenchmarkCount(b *testing.B) {
	client := connect(b, server(b), nil)
	db := freshDB(b, client)
	seed(b, db)
	ctx := context.Background()
	repo, d := bank.NewAccountRepo(db), newDriverAccounts(db)
	compare(b, func(*testing.B) pair {
		return pair{
			gen: func(i int) error {
				n, err := repo.Count(ctx, bank.AccountFields.Branch.Eq(branchName(i)))
				return wantLen(int(n), err)
			},
			drv: func(i int) error {
				n, err := d.count(ctx, branchName(i))
				return wantLen(int(n), err)
			},
		}
	})
}

// wantLen returns err, or an error when n is not the size of a branch.
func wantLen(n int, err error) error {
	if err == nil && n != perBranch {
		err = fmt.Errorf("got %d accounts, want %d", n, perBranch)
	}
	return err
}
