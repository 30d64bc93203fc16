# Open MPI settings for running precis on a workstation or a CI machine (sourced by the demo and test scripts).
# On a cluster, use your site's launcher (srun or mpirun) and leave these out.
if [[ $(id -u) == 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1   # containers and CI run as root
fi
export OMPI_MCA_rmaps_base_oversubscribe=1        # more ranks than cores is fine for a demo
export OMPI_MCA_pml=ob1                           # faster start-up on one machine
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # shared memory works in locked-down containers
export OMPI_MCA_mpi_yield_when_idle=1             # idle ranks give up their core when oversubscribed
