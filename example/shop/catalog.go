package shop

import (
	"context"

	"github.com/mongotxgen/mongotxgen/runtime"
)

// Restock adds qty items to the product sku, creating it with name and
// price when it is new (Upsert), and adds tags to its keywords, each once
// (AddToSet). It reports whether the product was created.
func Restock(ctx context.Context, store *Store, sku, name string, price, qty int64, tags ...string) (created bool, err error) {
	return store.Product.Upsert(ctx, ProductFields.SKU.Eq(sku), runtime.Combine(
		ProductFields.Stock.Inc(qty),
		ProductFields.Name.SetOnInsert(name),
		ProductFields.Price.SetOnInsert(price),
		ProductFields.Tags.AddToSet(tags...),
	))
}

// Tagged returns the SKUs of the products with the keyword tag, sorted.
func Tagged(ctx context.Context, store *Store, tag string) ([]string, error) {
	products, err := store.Product.Find(ctx, ProductFields.Tags.Contains(tag),
		runtime.Sort(ProductFields.SKU.Asc()), runtime.Select(ProductFields.SKU))
	if err != nil {
		return nil, err
	}
	skus := make([]string, len(products))
	for i, p := range products {
		skus[i] = p.SKU
	}
	return skus, nil
}

// BigOrders returns the orders with one line of at least minQty items of
// sku: one line must meet both conditions (ElemMatch), not two lines one
// each. The index on Lines.SKU serves it.
func BigOrders(ctx context.Context, store *Store, sku string, minQty int64) ([]*Order, error) {
	lines := OrderFields.Lines
	return store.Order.Find(ctx, lines.ElemMatch(lines.SKU.Eq(sku), lines.Qty.Gte(minQty)),
		runtime.Sort(OrderFields.Created.Asc()))
}
