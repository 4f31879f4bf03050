package shop

import (
	"context"
	"errors"
	"fmt"

	"github.com/mongotxgen/mongotxgen/runtime"
)

var (
	// ErrOutOfStock reports that a product has fewer items than ordered.
	ErrOutOfStock = errors.New("out of stock")
	// ErrInsufficientFunds reports that an account cannot pay.
	ErrInsufficientFunds = errors.New("insufficient funds")
)

// PlaceOrder takes the ordered items from stock, charges the customer and
// records the order, all in one transaction: either everything happens or
// nothing does. confirm, if not nil, is called once after the order is
// committed, never for an order that was rolled back or for an attempt that
// was retried.
func PlaceOrder(ctx context.Context, store *Store, customer string, lines []OrderLine,
	confirm func(context.Context, *Order), opts ...runtime.TxOption) (*Order, error) {
	var placed *Order
	err := store.WithTx(ctx, func(ctx context.Context, tx *Store) error {
		// Build the order afresh on every attempt: a retried attempt must not
		// see prices or totals left over from the one that failed.
		order := &Order{Customer: customer, Lines: append([]OrderLine(nil), lines...)}
		for i, line := range order.Lines {
			price, err := takeStock(ctx, tx, line.SKU, line.Qty)
			if err != nil {
				return err
			}
			order.Lines[i].Price = price
			order.Total += price * line.Qty
		}
		if err := charge(ctx, tx, customer, order.Total); err != nil {
			return err
		}
		if err := tx.Order.Insert(ctx, order); err != nil {
			return err
		}
		if confirm != nil {
			runtime.OnCommit(ctx, func(ctx context.Context) { confirm(ctx, order) })
		}
		placed = order
		return nil
	}, opts...)
	if err != nil {
		return nil, err
	}
	return placed, nil
}

// takeStock decrements the product's stock by qty, guarded so that stock
// never goes below zero, and returns the product's price.
func takeStock(ctx context.Context, tx *Store, sku string, qty int64) (int64, error) {
	p, err := tx.Product.FindOneAndUpdate(ctx,
		runtime.Where(ProductFields.SKU.Eq(sku), ProductFields.Stock.Gte(qty)),
		ProductFields.Stock.Inc(-qty))
	if errors.Is(err, runtime.ErrNotFound) {
		// Say which: an unknown product, or too few of a known one.
		known, getErr := tx.Product.Get(ctx, sku)
		if getErr != nil {
			return 0, fmt.Errorf("product %q: %w", sku, getErr)
		}
		return 0, fmt.Errorf("%w: %s: %d ordered, %d left", ErrOutOfStock, sku, qty, known.Stock)
	}
	if err != nil {
		return 0, err
	}
	return p.Price, nil
}

// charge takes amount from the owner's balance, guarded so that balances
// never go below zero.
func charge(ctx context.Context, tx *Store, owner string, amount int64) error {
	_, err := tx.Account.FindOneAndUpdate(ctx,
		runtime.Where(AccountFields.Owner.Eq(owner), AccountFields.Balance.Gte(amount)),
		AccountFields.Balance.Inc(-amount))
	if errors.Is(err, runtime.ErrNotFound) {
		return fmt.Errorf("%w: %s cannot pay %d", ErrInsufficientFunds, owner, amount)
	}
	return err
}

// Transfer moves amount from one account to another in one transaction.
func Transfer(ctx context.Context, store *Store, from, to string, amount int64, opts ...runtime.TxOption) error {
	return store.WithTx(ctx, func(ctx context.Context, tx *Store) error {
		if err := charge(ctx, tx, from, amount); err != nil {
			return err
		}
		_, err := tx.Account.FindOneAndUpdate(ctx, AccountFields.Owner.Eq(to), AccountFields.Balance.Inc(amount))
		return err
	}, opts...)
}
