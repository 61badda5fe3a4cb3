# NVML test double profile: one H100 SXM5 (Hopper, 9.0), driver 570 / CUDA 12.8
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=570.133.20
cuda_driver_version=12080
nvml_version=12.570.133.20

[device]
name=NVIDIA H100 80GB HBM3
uuid=GPU-e30a6561-84c3-76b4-28a0-a6c2f0e23781
pci_bus_id=00000000:07:00.0
pci_device_id=0x233010DE
pci_subsystem_id=0x16C110DE
compute_capability=9.0
memory_total_mib=81559
memory_reserved_mib=534
memory_used_mib=1
temperature_c=33
power_draw_mw=71000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0
