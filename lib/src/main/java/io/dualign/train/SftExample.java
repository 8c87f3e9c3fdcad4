package io.dualign.train;

/** An {@code SftExample} is one templated prompt and a response to imitate (ending in EOS). */
public record SftExample(long[] prompt, long[] response) {}
