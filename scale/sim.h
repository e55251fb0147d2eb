/* sim: a simulated serial scale on a pseudo-terminal, for demonstrations and tests. */
#ifndef CP_SCALE_SIM_H
#define CP_SCALE_SIM_H

/* `cleanplate-scale sim`: argv holds the options after "sim" (argv[0] is the
 * first option). Returns the exit status. */
int sim_main(int argc, char **argv);

#endif
