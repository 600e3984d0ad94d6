package dev.tandem.sync.mapping;

import java.util.List;
import java.util.stream.Collectors;

/** A mapping that does not fit the databases; each problem names file, line, table, column and the fix. */
public final class MappingException extends IllegalArgumentException {

    private final List<MappingProblem> problems;

    public MappingException(List<MappingProblem> problems) {
        super(problems.stream().map(MappingProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public MappingException(String message) {
        super(message);
        this.problems = List.of();
    }

    public List<MappingProblem> problems() {
        return problems;
    }
}
