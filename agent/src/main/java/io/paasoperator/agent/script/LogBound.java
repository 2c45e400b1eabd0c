package io.paasoperator.agent.script;

import java.nio.charset.StandardCharsets;

/**
 * Where an action's log over its size bound (AGENT_LOG_MAX_BYTES) is cut: its last part is kept, behind one line that
 * says how much was dropped, and the two together stay within the bound. The same cut serves a finished log (cut on
 * disk once its script ends) and a running one (cut as it is read).
 *
 * @param start the offset of the first byte kept
 * @param notice the line that goes before the kept part
 */
public record LogBound(long start, String notice) {

    /** The cut of a log of {@code size} bytes bound to {@code max}; null when it fits. */
    public static LogBound cut(long size, long max) {
        if (size <= max) {
            return null;
        }
        // The notice names the bytes dropped; sized for all of them, it is at least as long as the one written.
        long room = Math.max(0, max - noticeBytes(size, max));
        long start = size - Math.min(room, size);
        return new LogBound(start, notice(start, max));
    }

    public byte[] noticeBytes() {
        return notice.getBytes(StandardCharsets.UTF_8);
    }

    private static int noticeBytes(long dropped, long max) {
        return notice(dropped, max).getBytes(StandardCharsets.UTF_8).length;
    }

    private static String notice(long dropped, long max) {
        return "[paas-agent] the first " + dropped + " bytes of this log were dropped: an action's log keeps its last "
                + max + " bytes (AGENT_LOG_MAX_BYTES)\n";
    }
}
