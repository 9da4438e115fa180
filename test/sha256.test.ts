import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/sha256.js";
import { prng } from "./helpers/prng.js";

describe("sha256Hex", () => {
  it("matches node:crypto for the standard vectors and lengths around each block boundary", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (let length = 0; length <= 200; length++) {
      const text = "x".repeat(length);
      expect(sha256Hex(text), `length ${length}`).toBe(createHash("sha256").update(text).digest("hex"));
    }
  });

  it("matches node:crypto for random UTF-8 text (workflow sources, keys with any characters)", () => {
    const random = prng(42);
    const alphabet = ["a", "Z", "0", " ", "\n", "é", "€", "😀", "\u0000", "{", "\\"];
    for (let i = 0; i < 300; i++) {
      const length = Math.floor(random() * 3000);
      let text = "";
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      expect(sha256Hex(text)).toBe(createHash("sha256").update(text).digest("hex"));
    }
  });
});
