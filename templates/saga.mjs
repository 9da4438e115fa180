// steplog template: saga
//
// For:        a business transaction across systems that cannot share a database transaction (reserve stock,
//             charge a card, book a shipment): each step names its undo (`compensate`); when the run fails for
//             good, the undos of the completed steps run in reverse order, each journaled.
// Run:        node saga.mjs --input '{"orderId":"A-1001","amount":42}'
//             Try a failure: --input '{"orderId":"A-1002","amount":42,"failAt":"book shipment"}'
//             (the run charges, fails to ship, refunds, releases the stock, and exits 30).
// Schedule:   usually started by an application (`await order.run(input, { key: orderId })`); as a script,
//             see cron-job.mjs.
// On a crash: rerun the same command: completed steps are not redone. A crash during compensation resumes
//             the compensation (undos already run are not run again). After its undos have run, the failed
//             run is final: the next start begins a new run.
// Exit codes: 0 completed, 30 a step failed for good (its compensations ran), 60 journal or disk problem.
//
// Edit the places marked EDIT. Undos must be idempotent too: pass the step's idempotencyKey to both.
import { TerminalError, workflow } from "steplog";

// EDIT: stand-ins for your services; each prints what it does.
const say = (line) => process.stderr.write(`    ${line}\n`);
const maybeFail = (step, input) => {
  if (input.failAt === step) throw new TerminalError(`${step} refused (failAt)`);
};
const inventory = {
  reserve: async (order) => (say(`reserve stock for ${order.orderId}`), { reservationId: `R-${order.orderId}` }),
  release: async (reservation) => say(`release ${reservation.reservationId}`),
};
const payments = {
  charge: async (order, key) => (say(`charge ${order.amount} for ${order.orderId} (key ${key})`), { chargeId: `C-${order.orderId}` }),
  refund: async (charge) => say(`refund ${charge.chargeId}`),
};
const shipping = {
  book: async (order) => (say(`book shipment for ${order.orderId}`), { trackingId: `T-${order.orderId}` }),
};

export const order = workflow("saga", async (ctx, given) => {
  const input = { orderId: "A-1001", amount: 42, ...given }; // EDIT: your input and its defaults
  const reservation = await ctx.step("reserve stock", () => (maybeFail("reserve stock", input), inventory.reserve(input)), {
    compensate: (r) => inventory.release(r),
  });
  const charge = await ctx.step("charge card", ({ idempotencyKey }) => (maybeFail("charge card", input), payments.charge(input, idempotencyKey)), {
    compensate: (c) => payments.refund(c),
    onInDoubt: "fail", // a charge that may or may not have happened before a crash is not retried blindly
  });
  const shipment = await ctx.step("book shipment", () => (maybeFail("book shipment", input), shipping.book(input)), {
    retry: { retries: 3, minDelayMs: 500 },
  });
  return { orderId: input.orderId, reservation: reservation.reservationId, charge: charge.chargeId, tracking: shipment.trackingId };
});

await order.main();
